// Shared helpers of the integration tests (not a test file itself).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox, SandboxOptions, RequestLogEntry } from '../../src/sandbox';

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
