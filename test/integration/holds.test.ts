// Holds as they really work (REALITY.md), in the real VS Code host against the sandbox: the bot's weekday trigger
// commit buries a [HOLD] on main, the generator's `[skip ci]` commit makes CircleCI skip a tag, a hold-then-tag can
// be left half done, and empty bot commits are "no change".
import * as assert from 'assert';
import * as vscode from 'vscode';
import { skipMarkerIn } from '../../src/core/release/skipMarkers';
import type { Planet4Api } from '../../src/extension';
import type { RequestLogEntry, Sandbox } from '../../src/sandbox';
import { assertNeverForced, mutations, rejection, sandbox, spareSites, waitFor } from './support';

const ORG = 'greenpeace';
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');

interface Modal {
  message: string;
  detail: string;
  actions: string[];
}

type ShowWarning = (message: string, ...rest: unknown[]) => Thenable<string | undefined>;

/**
 * Answers the extension's modal confirmations (and the tag input box) while `run` runs: each modal is recorded and
 * answered by `answer`; other warnings go to VS Code as usual. Confirmations are on meanwhile.
 */
async function withModals<T>(answer: (m: Modal) => string | undefined, run: (seen: Modal[]) => Promise<T>): Promise<T> {
  const window = vscode.window as unknown as { showWarningMessage: ShowWarning; showInputBox: unknown };
  const warning = window.showWarningMessage;
  const inputBox = window.showInputBox;
  const seen: Modal[] = [];
  window.showWarningMessage = (message: string, ...rest: unknown[]) => {
    const [options, ...items] = rest;
    if (typeof options === 'object' && options !== null && (options as { modal?: boolean }).modal === true) {
      const m = { message, detail: (options as { detail?: string }).detail ?? '', actions: items as string[] };
      seen.push(m);
      return Promise.resolve(answer(m));
    }
    return warning.call(vscode.window, message, ...rest);
  };
  // The proposed tag is taken as it is.
  window.showInputBox = (options?: vscode.InputBoxOptions) => Promise.resolve(options?.value);
  await config().update('confirmActions', true, vscode.ConfigurationTarget.Global);
  try {
    return await run(seen);
  } finally {
    window.showWarningMessage = warning;
    window.showInputBox = inputBox;
    await config().update('confirmActions', false, vscode.ConfigurationTarget.Global);
  }
}

describe('holds: as they really work on main', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  let take: () => string;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    take = spareSites(api, sb);
  });
  beforeEach(() => {
    sb.clearRequests();
    sb.clearFaults();
  });
  afterEach(() => {
    assertNeverForced(sb);
    const created = mutations(sb).filter((r) => r.path.endsWith('/git/commits'));
    for (const c of created) {
      const message = (c.body as { message: string }).message;
      assert.strictEqual(skipMarkerIn(message), undefined, `a commit we create carries no skip marker: ${message}`);
    }
  });
  after(async () => {
    await api.stopSandbox();
  });

  const repoPath = (site: string, rest: string): string => `/repos/${ORG}/planet4-${site}${rest}`;
  const summary = (rs: RequestLogEntry[]): string[] => rs.map((r) => `${r.method} ${r.path}`);
  const nextItem = (site: string): vscode.TreeItem => {
    const siteNode = api.pipelines.getChildren().find((n) => n.kind === 'site' && n.site === site);
    assert.ok(siteNode, site);
    const node = api.pipelines.getChildren(siteNode).find((n) => n.kind === 'detail' && n.detail === 'next');
    assert.ok(node, `${site} has a next-release row`);
    return api.pipelines.getTreeItem(node);
  };
  const refreshed = async (site: string, probe: () => boolean): Promise<void> => {
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    await waitFor(`${site} refreshed`, probe);
  };

  it('1. the hold confirmation says how long a hold on main lasts and offers tag-with-hold first; the bot buries it, and the tree and a notification say so', async () => {
    const site = take();
    const next = api.fleet.get(site)?.next?.nextTag;
    assert.ok(next);
    const held = await withModals(
      (m) => m.actions[1],
      async (seen) => {
        const r = await vscode.commands.executeCommand<{ sha: string; tag?: string }>('planet4.holdRelease', {
          site,
        });
        assert.strictEqual(seen.length, 1);
        const modal = seen[0];
        assert.deepStrictEqual(modal?.actions, [`Tag ${next} with [HOLD]`, 'Hold main only']);
        assert.match(modal.detail, /holds only while it is HEAD/);
        assert.match(modal.detail, /:robot: Trigger build #N/);
        assert.match(modal.detail, /deploys to production automatically/);
        assert.match(modal.detail, new RegExp(`Recommended: "Tag ${next.replace(/\./g, '\\.')} with \\[HOLD\\]"`));
        return r;
      },
    );
    assert.strictEqual(held.tag, undefined, '"Hold main only": the [HOLD] commit alone');
    assert.strictEqual(sb.mainHead(site).sha, held.sha);
    await waitFor('[HOLD] on HEAD in the tree', () => api.fleet.get(site)?.next?.headHold === true);
    assert.strictEqual(api.attention.shown.filter((n) => n.kind === 'buried' && n.site === site).length, 0);

    // The weekday cron buries it.
    const bot = sb.botTriggerBuild(site);
    const botSubject = sb.mainHead(site).message;
    assert.match(botSubject, /^:robot: Trigger build #\d+$/);
    await refreshed(site, () => api.fleet.get(site)?.next?.headSha === bot);
    const n = api.fleet.get(site)?.next;
    assert.strictEqual(n?.headHold, false);
    assert.deepStrictEqual(n.buriedHold?.sha, held.sha);
    const item = nextItem(site);
    assert.strictEqual(
      item.description,
      `${n.ahead} commits on main since ${n.latestTag ?? ''} · [HOLD] buried by "${botSubject}": the next tag will not wait`,
    );
    assert.match(String(item.contextValue), /buried=yes/);
    const told = await waitFor('the notification', () =>
      api.attention.shown.find((s) => s.kind === 'buried' && s.site === site),
    );
    assert.match(
      told.message,
      /no longer HEAD — buried by ":robot: Trigger build #\d+"\. The next release tag will not wait/,
    );

    // …and what the issue says happens: the bot's tag lands on its trigger commit and deploys by itself.
    const botTag = sb.botReleaseTag(site);
    sb.clock.advance(30 * 60_000);
    await refreshed(site, () => api.fleet.get(site)?.pipeline?.tag === botTag);
    assert.strictEqual(api.fleet.get(site)?.state, 'deployed');
  });

  it('1. tag-with-hold (offered first) holds the tagged commit: the bot commit on top changes nothing', async () => {
    const site = take();
    const next = api.fleet.get(site)?.next?.nextTag ?? '';
    const result = await withModals(
      (m) => m.actions[0],
      async (seen) => {
        const r = await vscode.commands.executeCommand<{ sha: string; tag?: string }>('planet4.holdRelease', {
          site,
        });
        assert.strictEqual(seen[0]?.actions[0], `Tag ${next} with [HOLD]`);
        return r;
      },
    );
    assert.strictEqual(result.tag, next);
    assert.deepStrictEqual(summary(mutations(sb)), [
      `POST ${repoPath(site, '/git/commits')}`,
      `PATCH ${repoPath(site, '/git/refs/heads/main')}`,
      `POST ${repoPath(site, '/git/tags')}`,
      `POST ${repoPath(site, '/git/refs')}`,
    ]);
    sb.botTriggerBuild(site);
    sb.clock.advance(30 * 60_000);
    await refreshed(site, () => api.fleet.get(site)?.pipeline?.tag === next);
    assert.strictEqual(api.fleet.get(site)?.state, 'waiting');
    assert.strictEqual(api.fleet.get(site)?.hold, 'held');

    // createReleaseTag offers it first too (cancelled here: nothing sent)
    sb.clearRequests();
    await withModals(
      () => undefined,
      async (seen) => {
        await vscode.commands.executeCommand('planet4.createReleaseTag', { site });
        assert.deepStrictEqual(seen[0]?.actions, ['Tag with [HOLD]', 'Tag']);
        assert.match(seen[0].detail, /"Tag with \[HOLD\]" \(the way to hold a release\)/);
      },
    );
    assert.deepStrictEqual(mutations(sb), []);
  });

  it('2. a HEAD carrying [skip ci]: scripted tag refused, tag-with-hold drops the marker, CircleCI builds the tag', async () => {
    const site = take();
    sb.generatorConfigCommit(site);
    const head = sb.mainHead(site);
    assert.strictEqual(head.message, '[skip ci] New CircleCI config');
    sb.clearRequests();
    const refusal = await rejection('planet4.createReleaseTag', { site });
    assert.match(refusal, /carries "\[skip ci\]": CircleCI runs no pipeline for a tag on such a commit/);
    assert.match(refusal, /no tag was created\. Pass \{site, hold: true\}/);
    assert.deepStrictEqual(mutations(sb), [], 'refused before any mutation');

    const r = await vscode.commands.executeCommand<{ sha: string; tag: string; held: boolean }>(
      'planet4.createReleaseTag',
      { site, hold: true },
    );
    const commit = mutations(sb)[0]?.body as { message: string; parents: string[] };
    assert.ok(commit.message.startsWith('[HOLD] New CircleCI config\n\n'), commit.message);
    assert.deepStrictEqual(commit.parents, [head.sha]);
    assert.strictEqual(r.held, true);
    sb.clock.advance(30 * 60_000);
    await refreshed(site, () => api.fleet.get(site)?.pipeline?.tag === r.tag);
    assert.strictEqual(api.fleet.get(site)?.hold, 'held', 'CircleCI built the tag and production waits');
  });

  it('2. from the tree: the confirmation flags [skip ci] and offers an empty commit first; holdRelease drops the marker', async () => {
    const site = take();
    sb.generatorConfigCommit(site);
    const head = sb.mainHead(site);
    sb.clearRequests();
    const node = { kind: 'site', id: `site:${site}`, site };
    await withModals(
      (m) => m.actions[0],
      async (seen) => {
        await vscode.commands.executeCommand('planet4.createReleaseTag', node);
        assert.deepStrictEqual(seen[0]?.actions, ['Empty commit, then tag', 'Tag with [HOLD]']);
        assert.match(
          seen[0].detail,
          /main HEAD carries "\[skip ci\]": CircleCI runs no pipeline for a tag on such a commit/,
        );
      },
    );
    const m = mutations(sb);
    assert.deepStrictEqual(summary(m), [
      `POST ${repoPath(site, '/git/commits')}`,
      `PATCH ${repoPath(site, '/git/refs/heads/main')}`,
      `POST ${repoPath(site, '/git/tags')}`,
      `POST ${repoPath(site, '/git/refs')}`,
    ]);
    const commit = m[0]?.body as { message: string; parents: string[]; tree: string };
    assert.match(commit.message, /^Release v[\d.]+\n/);
    assert.deepStrictEqual(commit.parents, [head.sha]);
    const tag = (m[2]?.body as { tag: string }).tag;
    await waitFor('the tag pipeline', () => api.fleet.get(site)?.pipeline?.tag === tag);

    // holdRelease on such a HEAD
    const other = take();
    sb.generatorConfigCommit(other);
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.holdRelease', { site: other });
    const hold = mutations(sb)[0]?.body as { message: string };
    assert.ok(hold.message.startsWith('[HOLD] New CircleCI config\n\n'), hold.message);
  });

  it('3. the tag is checked before the [HOLD] commit: the bot made it meanwhile → nothing changed', async () => {
    const site = take();
    const head = sb.mainHead(site);
    let botTag = '';
    const message = await withModals(
      () => {
        botTag = sb.botReleaseTag(site); // while the person reads the confirmation
        return 'Tag with [HOLD]';
      },
      () => rejection('planet4.createReleaseTag', { site }),
    );
    assert.ok(botTag);
    assert.match(message, new RegExp(`^${botTag.replace(/\./g, '\\.')} already exists in greenpeace/planet4-${site}`));
    assert.match(message, /Nothing was changed: no \[HOLD\] commit on main, no tag/);
    assert.deepStrictEqual(mutations(sb), []);
    assert.strictEqual(sb.mainHead(site).sha, head.sha);
  });

  it('3. the tag step fails after the [HOLD] commit landed: the error says exactly what is left', async () => {
    const site = take();
    const head = sb.mainHead(site);
    // The [HOLD] commit is slow to be answered; the bot tags main meanwhile, before the commit lands.
    sb.inject({ service: 'github', method: 'POST', path: '/git/commits', site, kind: 'latency', latencyMs: 1500 });
    const failing = rejection('planet4.createReleaseTag', { site, hold: true });
    await waitFor('the [HOLD] commit sent', () =>
      sb.requests.some((r) => r.method === 'POST' && r.path.endsWith('/git/commits')),
    );
    const botTag = sb.botReleaseTag(site);
    const message = await failing;
    const now = sb.mainHead(site);
    assert.notStrictEqual(now.sha, head.sha);
    assert.ok(now.message.startsWith('[HOLD] '));
    assert.match(
      message,
      new RegExp(
        `^Partly done: main of greenpeace/planet4-${site} now carries \\[HOLD\\] \\(commit ${now.sha.slice(0, 7)}\\): the next release tag made on main will wait`,
      ),
    );
    assert.match(message, new RegExp(`The tag ${botTag.replace(/\./g, '\\.')} was not created`));
    assert.match(
      message,
      new RegExp(`is on ${head.sha.slice(0, 7)}, not on ${now.sha.slice(0, 7)}: the bot's tag was not held`),
    );
    assert.deepStrictEqual(
      summary(mutations(sb)),
      [
        `POST ${repoPath(site, '/git/commits')}`,
        `PATCH ${repoPath(site, '/git/refs/heads/main')}`,
        `POST ${repoPath(site, '/git/tags')}`,
        `POST ${repoPath(site, '/git/refs')}`,
      ],
      'each mutation sent once, none retried',
    );
    await waitFor('the tree shows [HOLD] on main', () => api.fleet.get(site)?.next?.headHold === true);
  });

  it("4. empty bot commits since the latest tag: 'no change since vX', and the confirmation warns it is already released", async () => {
    const site = take();
    const tagged = (await vscode.commands.executeCommand<{ tag: string }>('planet4.createReleaseTag', { site })).tag;
    sb.botTriggerBuild(site);
    const bot = sb.botTriggerBuild(site);
    await refreshed(site, () => api.fleet.get(site)?.next?.headSha === bot);
    const n = api.fleet.get(site)?.next;
    assert.strictEqual(n?.latestTag, tagged);
    assert.strictEqual(n.ahead, 2);
    assert.strictEqual(n.unchanged, true);
    assert.strictEqual(nextItem(site).description, `no change since ${tagged} (2 empty commit(s) on main)`);
    sb.clearRequests();
    await withModals(
      () => undefined,
      async (seen) => {
        await vscode.commands.executeCommand('planet4.createReleaseTag', { site });
        assert.match(seen[0]?.detail ?? '', new RegExp(`already released as ${tagged.replace(/\./g, '\\.')}`));
      },
    );
    assert.deepStrictEqual(mutations(sb), []);
    // a real change is a change again
    const change = sb.pushCommit(site, 'Update the footer');
    await refreshed(site, () => api.fleet.get(site)?.next?.headSha === change);
    assert.strictEqual(api.fleet.get(site)?.next?.unchanged, undefined);
    assert.match(String(nextItem(site).description), /^3 commits on main since/);
  });
});
