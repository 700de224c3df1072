// Rollbacks that can work, in the real extension host against the sandbox (REALITY.md "Tags"): a rollback redeploys
// the images its tag's own production build pushed, so planet4.rollback offers (and accepts) only tags with a known
// successful build. The pick's and the confirmation's words are read by standing in for VS Code's dialogs.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { assertNeverForced, mutations, rejection, sandbox, spareSites } from './support';

const ORG = 'greenpeace';
const MIN = 60_000;
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');

interface ListedPipeline {
  id: string;
  number: number;
  vcs?: { tag?: string; revision?: string; commit?: { subject?: string } };
  trigger_parameters?: { rollback?: boolean };
}

interface Item extends vscode.QuickPickItem {
  tag?: string;
  showAll?: true;
}

/** Stands in for `vscode.window[name]` until the returned function is called. */
function replaceWindow(name: 'showQuickPick' | 'showWarningMessage' | 'showErrorMessage', stand: unknown): () => void {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window[name];
  window[name] = stand;
  return () => {
    window[name] = original;
  };
}

describe('rollbacks: only to tags with a known successful build', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  let take: () => string;
  const restore: (() => void)[] = [];

  /** Every pipeline of the site, newest first, read over HTTP. */
  const pipelinesOf = async (site: string): Promise<ListedPipeline[]> => {
    const out: ListedPipeline[] = [];
    let token: string | null | undefined;
    do {
      const q = token ? `?page-token=${encodeURIComponent(token)}` : '';
      const res = await fetch(`${sb.circleciApiUrl}/project/gh/${ORG}/planet4-${site}/pipeline${q}`, {
        headers: { 'Circle-Token': sb.tokens.circleci },
      });
      const page = (await res.json()) as { items: ListedPipeline[]; next_page_token: string | null };
      out.push(...page.items);
      token = page.next_page_token;
    } while (token);
    return out;
  };
  const getJson = async <T>(path: string): Promise<T> =>
    (await (
      await fetch(`${sb.circleciApiUrl}${path}`, { headers: { 'Circle-Token': sb.tokens.circleci } })
    ).json()) as T;
  /** The tags whose production pipeline has a successful build job (the sandbox has no workflow or job page 2). */
  const builtTagsOf = async (pipelines: ListedPipeline[]): Promise<Set<string>> => {
    const built = new Set<string>();
    for (const p of pipelines) {
      const tag = p.vcs?.tag;
      if (tag === undefined || p.trigger_parameters?.rollback) continue;
      const workflows = await getJson<{ items: { id: string; name: string }[] }>(`/pipeline/${p.id}/workflow`);
      for (const w of workflows.items.filter((x) => x.name === 'production')) {
        const jobs = await getJson<{ items: { name: string; status: string }[] }>(`/workflow/${w.id}/job`);
        if (jobs.items.some((j) => j.name === 'build' && j.status === 'success')) built.add(tag);
      }
    }
    return built;
  };
  /** The site's release tags, newest first (the sandbox's release numbers are consecutive). */
  const releasesOf = (site: string): string[] =>
    [...(api.fleet.knownTags(site) ?? [])]
      .filter((t) => /^v\d+(\.\d+)*$/.test(t))
      .sort((a, b) => {
        const [pa, pb] = [a, b].map((t) => t.slice(1).split('.').map(Number));
        for (let i = 0; i < Math.max(pa?.length ?? 0, pb?.length ?? 0); i++) {
          const d = (pb?.[i] ?? 0) - (pa?.[i] ?? 0);
          if (d !== 0) return d;
        }
        return 0;
      });
  const refusal = (site: string, tag: string, reason: string): string =>
    `${site} cannot be rolled back to ${tag}: no successful production build of ${tag} is known (${reason}). A rollback redeploys the images that only the build job of the tag’s own production pipeline pushes, so it would fail in rollback-staging. Nothing was sent.`;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    take = spareSites(api, sb);
  });
  beforeEach(() => {
    sb.clearRequests();
    sb.clearFaults();
  });
  afterEach(async () => {
    while (restore.length) restore.pop()?.();
    await config().update('confirmActions', false, vscode.ConfigurationTarget.Global);
    assertNeverForced(sb);
  });
  after(async () => {
    await config().update('confirmActions', undefined, vscode.ConfigurationTarget.Global);
    await api.stopSandbox();
  });

  it('a scripted rollback to a tag without a known successful build is refused with the reason, and sends nothing', async () => {
    const site = take();
    const slug = `gh/${ORG}/planet4-${site}`;
    const tags = releasesOf(site);
    const all = await pipelinesOf(site);
    const failedBuild = all.find((p) => p.vcs?.tag === tags[2] && !p.trigger_parameters?.rollback);
    assert.ok(failedBuild, `${tags[2]} has a production pipeline`);
    assert.ok(!all.some((p) => p.vcs?.tag === tags[4]), `${tags[4]} was tagged on a [skip ci] commit: no pipeline`);
    assert.strictEqual(
      await rejection('planet4.rollback', { site, tag: tags[2] }),
      refusal(site, tags[2] ?? '', `its build job failed in pipeline ${failedBuild.number}`),
    );
    for (const tag of [tags[4], tags.at(-1)]) {
      assert.strictEqual(
        await rejection('planet4.rollback', { site, tag }),
        refusal(site, tag ?? '', `none of the ${all.length} pipelines of ${slug} built it`),
      );
    }
    assert.deepStrictEqual(mutations(sb), [], 'no POST reached the sandbox');
  });

  it('a rollback to a built tag: the confirmation names the site, the tag, the commit, production now and the effect; sent once; rollback-staging succeeds', async () => {
    const site = take();
    const slug = `gh/${ORG}/planet4-${site}`;
    const tags = releasesOf(site);
    const tag = tags[1] ?? '';
    const built = (await pipelinesOf(site)).find((p) => p.vcs?.tag === tag);
    await config().update('confirmActions', true, vscode.ConfigurationTarget.Global);
    const asked: { message: string; options: vscode.MessageOptions; actions: string[] }[] = [];
    restore.push(
      replaceWindow('showWarningMessage', (message: string, options: unknown, ...actions: string[]) => {
        // a notification (the site now waits for approval) is not the confirmation: left unanswered
        if (typeof options !== 'object' || options === null) return Promise.resolve(undefined);
        asked.push({ message, options, actions });
        return Promise.resolve(actions[0]);
      }),
    );
    const result = await vscode.commands.executeCommand<{ tag: string; pipelineNumber: number }>('planet4.rollback', {
      site,
      tag,
    });
    assert.strictEqual(asked.length, 1);
    const [question] = asked;
    assert.ok(question);
    assert.strictEqual(question.message, `Roll ${site} back to ${tag}?`);
    assert.strictEqual(question.options.modal, true);
    assert.deepStrictEqual(question.actions, ['Start rollback']);
    assert.strictEqual(
      question.options.detail,
      `Triggers the rollback pipeline of ${slug} for ${tag}: commit ${built?.vcs?.revision?.slice(0, 7)} "${built?.vcs?.commit?.subject}", built by pipeline ${built?.number}. In production now: ${tags[0]}. It redeploys the images of ${tag} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.`,
    );
    assert.deepStrictEqual(
      mutations(sb).map((r) => [r.method, r.path, r.body]),
      [['POST', `/project/${slug}/pipeline`, { tag, parameters: { rollback: true } }]],
    );
    sb.clock.advance(5 * MIN);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    const snapshot = api.fleet.get(site);
    assert.ok(snapshot);
    assert.strictEqual(snapshot.pipeline?.number, result.pipelineNumber);
    assert.strictEqual(snapshot.stages.find((s) => s.name === 'rollback-staging')?.status, 'success');
    assert.strictEqual(snapshot.stages.find((s) => s.name === 'hold-production')?.status, 'on_hold');
  });

  it('the pick: built tags only, production last; "Show all" marks the rest; one of them is refused, nothing sent; a second pick reads one page', async () => {
    const site = take();
    const tags = releasesOf(site);
    const all = await pipelinesOf(site);
    const failedBuild = all.find((p) => p.vcs?.tag === tags[2]);
    const picks: { items: Item[]; options: vscode.QuickPickOptions }[] = [];
    let answer: (items: Item[]) => Item | undefined = () => undefined;
    restore.push(
      replaceWindow('showQuickPick', async (items: Item[] | Thenable<Item[]>, options: vscode.QuickPickOptions) => {
        const list = await items;
        picks.push({ items: list, options });
        return answer(list);
      }),
    );
    const errors: string[] = [];
    restore.push(
      replaceWindow('showErrorMessage', (message: string) => {
        errors.push(message);
        return Promise.resolve(undefined);
      }),
    );
    const node = api.pipelines.nodeFor(site);

    // cold: dismissed at once
    sb.clearRequests();
    assert.strictEqual(await vscode.commands.executeCommand('planet4.rollback', node), undefined);
    const cold = { circleci: sb.requests.filter((r) => r.service === 'circleci').length, all: sb.requests.length };
    const first = picks[0];
    assert.ok(first);
    assert.strictEqual(first.options.title, `Roll ${site} back to…`);
    assert.strictEqual(first.options.placeHolder, `In production now: ${tags[0]}`);
    const offered = first.items.filter((i) => i.tag !== undefined).map((i) => i.tag);
    const built = await builtTagsOf(all);
    const builtTags = tags.filter((t) => built.has(t));
    assert.ok(builtTags.length > 5 && !built.has(tags[2] ?? '') && !built.has(tags[4] ?? ''));
    assert.deepStrictEqual(offered, [...builtTags.slice(1), tags[0]], 'built tags newest first, production last');
    assert.ok(!offered.includes(tags[2]) && !offered.includes(tags[4]));
    assert.match(first.items.at(-2)?.description ?? '', /in production now — redeploys the same release/);
    assert.match(first.items[0]?.description ?? '', /^built /);
    assert.match(first.items[0]?.detail ?? '', /^commit [0-9a-f]{7} ".*" · pipeline \d+$/);
    const showAll = first.items.at(-1);
    assert.strictEqual(showAll?.label, `$(list-flat) Show all ${tags.length} release tags…`);
    assert.strictEqual(showAll.description, `${tags.length - builtTags.length} with no successful build known`);

    // warm: the built tags and production are known, a finished workflow is not read again
    sb.clearRequests();
    picks.length = 0;
    answer = (items) => items.find((i) => i.showAll) ?? items.find((i) => i.tag === tags[2]);
    await vscode.commands.executeCommand('planet4.rollback', node);
    const warm = { circleci: sb.requests.filter((r) => r.service === 'circleci').length, all: sb.requests.length };
    assert.strictEqual(picks.length, 2, 'the pick, then all release tags');
    const everything = picks[1]?.items ?? [];
    assert.deepStrictEqual(
      everything.map((i) => i.tag),
      tags,
    );
    const marked = (tag: string | undefined): Item | undefined => everything.find((i) => i.tag === tag);
    assert.strictEqual(marked(tags[2])?.description, '$(circle-slash) no successful build known');
    assert.strictEqual(marked(tags[2])?.detail, `its build job failed in pipeline ${failedBuild?.number}`);
    assert.strictEqual(marked(tags[4])?.description, '$(circle-slash) no successful build known');
    assert.strictEqual(marked(tags[1])?.description?.startsWith('built '), true);
    assert.deepStrictEqual(errors, [
      refusal(site, tags[2] ?? '', `its build job failed in pipeline ${failedBuild?.number}`),
    ]);
    assert.deepStrictEqual(mutations(sb), [], 'nothing sent');
    console.log(
      `      rollback pick of ${site}: cold ${cold.all} requests (${cold.circleci} CircleCI), warm ${warm.all} (${warm.circleci} CircleCI)`,
    );
    assert.ok(warm.circleci <= 2, `warm: ${warm.circleci} CircleCI requests`);
  });

  it('the sandbox is the real world: a rollback pipeline of an unbuilt tag (as bin/rollback.sh sends it) fails in rollback-staging', async () => {
    const site = take();
    const slug = `gh/${ORG}/planet4-${site}`;
    const tag = releasesOf(site)[2] ?? '';
    const res = await fetch(`${sb.circleciApiUrl}/project/${slug}/pipeline`, {
      method: 'POST',
      headers: { 'Circle-Token': sb.tokens.circleci, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tag, parameters: { rollback: true } }),
    });
    assert.strictEqual(res.status, 201);
    sb.clock.advance(5 * MIN);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    const snapshot = api.fleet.get(site);
    assert.strictEqual(snapshot?.workflow?.kind, 'rollback');
    assert.strictEqual(snapshot.stages.find((s) => s.name === 'rollback-staging')?.status, 'failed');
    assert.strictEqual(snapshot.state, 'failed');
  });
});
