// Shared helpers of the integration tests (not a test file itself).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox, SandboxOptions, RequestLogEntry } from '../../src/sandbox';
import type { SiteNode } from '../../src/treeViews/nodes';

export const EXTENSION_ID = 'greenpeace.planet4-pipelines';

export async function api(): Promise<Planet4Api> {
  const ext = vscode.extensions.getExtension<Planet4Api>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** Starts a fresh sandbox (manual clock), points the extension at it, and loads every site. */
export async function sandbox(options: SandboxOptions = {}): Promise<{ api: Planet4Api; sb: Sandbox }> {
  const a = await api();
  await vscode.workspace.getConfiguration('planet4').update('confirmActions', false, vscode.ConfigurationTarget.Global);
  const sb = await a.startSandbox({ clock: 'manual', ...options });
  await vscode.commands.executeCommand('planet4.refresh');
  return { api: a, sb };
}

export function mutations(sb: Sandbox): RequestLogEntry[] {
  return sb.requests.filter((r) => r.method !== 'GET');
}

/** Every suite that mutates checks after each test: no request body ever carried `"force": true`. */
export function assertNeverForced(sb: Sandbox): void {
  const forced = sb.requests.filter((r) => JSON.stringify(r.body ?? {}).includes('"force":true'));
  assert.deepStrictEqual(forced, [], 'no request ever carries force: true');
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a command that must fail, and returns its message. */
export async function rejection(command: string, arg: unknown): Promise<string> {
  try {
    await vscode.commands.executeCommand(command, arg);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`${command} did not fail`);
}

/**
 * Deployed sites that no scenario role uses, handed out one per test, so that the tests of a suite never act on the
 * same site.
 */
export function spareSites(api: Planet4Api, sb: Sandbox): () => string {
  const special = new Set(Object.values(sb.roles).flat());
  const spare = sb.sites.filter((s) => !special.has(s) && api.fleet.get(s)?.state === 'deployed');
  return () => {
    const s = spare.shift();
    assert.ok(s, 'out of spare sites');
    return s;
  };
}

/**
 * The site rows among the tree's roots. The platform node (planet4-base's release, issue 13) sits above them and is
 * no site: a test that counts or lists sites takes these.
 */
export function siteNodes(api: Planet4Api): SiteNode[] {
  return api.pipelines.getChildren().filter((n): n is SiteNode => n.kind === 'site');
}

/**
 * Runs one fast polling cycle, deterministically, and returns a probe: whether the sandbox got any CircleCI request
 * for a site's pipelines, workflows or jobs meanwhile. A known live workflow's fast read is its job list alone
 * (`/workflow/{id}/job`), so the site's pipeline and workflow ids count as well as `/planet4-<site>/pipeline`.
 *
 * Right after a full refresh (no slow cycle falls due), with `planet4.polling.fastSeconds` at its minimum (2 s), it
 * waits until every fast site is due, then runs `poller.tick()` until one call ran a cycle itself. The poller is
 * held `paused` just before each call, so the cycle reads at the fast interval and no cycle of the view's polling
 * gate (which may set `background`, 60 s, in an unfocused test host at any window event) runs meanwhile; the gate's
 * latest mode is restored afterwards.
 */
export async function pollFast(api: Planet4Api, sb: Sandbox): Promise<(site: string) => boolean> {
  const config = vscode.workspace.getConfiguration('planet4');
  const poller = api.poller;
  await config.update('polling.fastSeconds', 2, vscode.ConfigurationTarget.Global);
  let gateMode = poller.pollingMode;
  const hold = (): void => {
    if (poller.pollingMode !== 'paused') gateMode = poller.pollingMode;
    poller.setMode('paused');
  };
  const ids = new Map<string, Set<string>>();
  const remember = (): void => {
    for (const s of api.fleet.all()) {
      const set = ids.get(s.site) ?? new Set<string>();
      for (const id of [s.pipeline?.id, s.workflow?.id]) if (id) set.add(id);
      ids.set(s.site, set);
    }
  };
  try {
    await vscode.commands.executeCommand('planet4.refresh');
    remember();
    sb.clearRequests();
    const due = Date.now() + 2000;
    await waitFor('one fast polling cycle', async () => {
      hold();
      if (Date.now() < due) return false;
      return poller.tick();
    });
    remember();
  } finally {
    poller.setMode(gateMode);
    await config.update('polling.fastSeconds', undefined, vscode.ConfigurationTarget.Global);
  }
  const requests = sb.requests.filter((q) => q.service === 'circleci');
  return (site) => {
    const known = [...(ids.get(site) ?? [])];
    return requests.some(
      (q) => q.path.includes(`/planet4-${site}/pipeline`) || known.some((id) => q.path.includes(id)),
    );
  };
}
