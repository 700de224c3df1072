// What a command accepts, in the real extension host against the sandbox: one check of the site for every path
// (arguments, multi-select batches, right after activation), `hold` only as a boolean, non-object arguments refused
// with a rejection, and mutations whose answer never came reported as "may have happened" — a rollback is then
// never started twice.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { api as extensionApi, mutations, rejection, sandbox, spareSites, waitFor } from './support';

const ORG = 'greenpeace';
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');

interface RollbackResult {
  site: string;
  tag: string;
  pipelineNumber: number;
  alreadyStarted?: true;
}

describe('arguments: one site check, hold as a boolean, unanswered mutations', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  /** A deployed site nobody else in this suite touches, one per test. */
  let take: () => string;

  /** The rollback pipelines of `tag` the sandbox's CircleCI lists for the site (newest page), read over HTTP. */
  const rollbackPipelines = async (site: string, tag: string): Promise<number[]> => {
    const res = await fetch(`${sb.circleciApiUrl}/project/gh/${ORG}/planet4-${site}/pipeline`, {
      headers: { 'Circle-Token': sb.tokens.circleci },
    });
    const page = (await res.json()) as {
      items: { number: number; vcs?: { tag?: string }; trigger_parameters?: { rollback?: boolean } }[];
    };
    return page.items.filter((p) => p.vcs?.tag === tag && p.trigger_parameters?.rollback === true).map((p) => p.number);
  };

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    take = spareSites(api, sb);
  });
  beforeEach(() => {
    sb.clearRequests();
    sb.clearFaults();
  });
  after(async () => {
    sb.clearFaults();
    await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await config().update('confirmActions', undefined, vscode.ConfigurationTarget.Global);
    await config().update('sites', undefined, vscode.ConfigurationTarget.Global);
    await api.stopSandbox();
  });

  it('createReleaseTag {hold: "false"} (or any non-boolean) is refused, and nothing is sent', async () => {
    const site = take();
    const head = sb.mainHead(site);
    for (const hold of ['false', 'true', 0, 1, null, 'yes']) {
      assert.strictEqual(
        await rejection('planet4.createReleaseTag', { site, hold }),
        '"hold" must be true or false.',
        JSON.stringify(hold),
      );
    }
    assert.deepStrictEqual(sb.requests, [], 'refused before any request');
    assert.strictEqual(sb.mainHead(site).sha, head.sha, 'no [HOLD] commit on main');
    // false is a boolean: a plain tag, no [HOLD] commit
    const result = await vscode.commands.executeCommand<{ held: boolean }>('planet4.createReleaseTag', {
      site,
      hold: false,
    });
    assert.strictEqual(result.held, false);
    assert.deepStrictEqual(
      mutations(sb).map((r) => `${r.method} ${r.path}`),
      [`POST /repos/${ORG}/planet4-${site}/git/tags`, `POST /repos/${ORG}/planet4-${site}/git/refs`],
    );
  });

  it('a multi-select batch with a site outside the site list is refused as a whole, before any request', async () => {
    const site = take();
    // A repository the sandbox has (a tag would be created there) but that the site list leaves out.
    const outside = take();
    await config().update(
      'sites',
      sb.sites.filter((s) => s !== outside),
      vscode.ConfigurationTarget.Global,
    );
    try {
      await waitFor(
        'the shorter site list',
        () => api.viewState() === 'ready' && api.fleet.sites.length === sb.sites.length - 1,
        60_000,
      );
      assert.ok(!api.fleet.sites.includes(outside));
      sb.clearRequests();
      const first = api.pipelines.nodeFor(site);
      const outsider = { kind: 'site', id: `site:${outside}`, site: outside };
      const result = await vscode.commands.executeCommand('planet4.createReleaseTag', first, [first, outsider]);
      assert.strictEqual(result, undefined, 'refused (shown, as for any tree action)');
      assert.deepStrictEqual(mutations(sb), [], 'nothing tagged, not even the site of the list');
      sb.clearRequests();
      const badName = { kind: 'site', id: 'site:x', site: '../../../me?x=' };
      assert.strictEqual(
        await vscode.commands.executeCommand('planet4.createReleaseTag', first, [badName, first]),
        undefined,
      );
      assert.deepStrictEqual(sb.requests, [], 'a bad site name is refused before any request');
    } finally {
      await config().update('sites', undefined, vscode.ConfigurationTarget.Global);
      await waitFor(
        'the whole site list again',
        () => api.viewState() === 'ready' && api.fleet.sites.length === sb.sites.length,
        60_000,
      );
      await vscode.commands.executeCommand('planet4.refresh');
    }
  });

  it('a string, a number or null as the argument rejects with a clear message, before any request', async () => {
    assert.strictEqual(
      await rejection('planet4.createReleaseTag', 'africa-typo'),
      'Pass an argument object such as {site: "africa"}, not "africa-typo".',
    );
    assert.match(await rejection('planet4.rollback', 42), /Pass an argument object .*, not the number 42\./);
    assert.match(await rejection('planet4.holdRelease', null), /Pass an argument object .*, not null\./);
    assert.match(await rejection('planet4.approveJob', 'hold-production'), /not "hold-production"/);
    assert.match(await rejection('planet4.refreshSite', 'africa'), /Pass an argument object/);
    assert.match(await rejection('planet4.openPipeline', 7), /Pass an argument object/);
    assert.match(
      await rejection('planet4.rollback', { site: '../planet4-base', tag: 'v1.2.3' }),
      /"\.\.\/planet4-base" is not a site name/,
    );
    assert.match(await rejection('planet4.rollback', { site: 7, tag: 'v1.2.3' }), /"site" must be a string/);
    assert.deepStrictEqual(sb.requests, []);
  });

  it('an oversized tag is refused before any request', async () => {
    const site = take();
    assert.match(
      await rejection('planet4.createReleaseTag', { site, tag: `v${'1'.repeat(100_000)}` }),
      /too long for a release tag: at most 64 characters/,
    );
    assert.match(await rejection('planet4.rollback', { site, tag: 'v1.1234567890' }), /at most 9 digits per number/);
    assert.deepStrictEqual(sb.requests, []);
  });

  it('a tag whose creation gets no answer (1 s timeout): "it may have been created", and the ref was sent once', async () => {
    const site = take();
    const tag = api.fleet.get(site)?.next?.nextTag ?? '';
    assert.ok(tag);
    await config().update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      sb.inject({ service: 'github', method: 'POST', path: '/git/refs', kind: 'hang', times: 1 });
      assert.strictEqual(
        await rejection('planet4.createReleaseTag', { site, tag }),
        `GitHub did not answer in time while creating ${tag} in ${ORG}/planet4-${site}: it may have been created. Refresh the site (or look at the tags on GitHub) before trying again.`,
      );
      assert.deepStrictEqual(
        mutations(sb).map((r) => `${r.method} ${r.path}`),
        [`POST /repos/${ORG}/planet4-${site}/git/tags`, `POST /repos/${ORG}/planet4-${site}/git/refs`],
        'the ref was sent once, not retried',
      );
    } finally {
      sb.clearFaults();
      await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('an approval whose answer never comes (1 s timeout): "it may have been approved", and the action is free again', async () => {
    const site = sb.roles.visualDiffs[0] ?? '';
    assert.strictEqual(
      api.fleet.get(site)?.stages.find((s) => s.name === 'hold-production')?.status,
      'on_hold',
      `${site} waits for approval`,
    );
    await config().update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      sb.inject({ service: 'circleci', method: 'POST', path: '/approve/', kind: 'hang' });
      const t0 = Date.now();
      const message = await rejection('planet4.approveJob', { site, job: 'hold-production' });
      assert.match(
        message,
        new RegExp(
          `^CircleCI did not answer in time while approving hold-production of ${site} \\(workflow [^)]+\\): it may have been approved\\. Refresh the site \\(or open the workflow on CircleCI\\) before trying again\\.$`,
        ),
      );
      assert.ok(Date.now() - t0 < 10_000, 'the deadline ended it');
      assert.strictEqual(mutations(sb).length, 1, 'sent once');
      sb.clearFaults();
      // The guard was released: the retry reads the state again and, as the hang approved nothing, approves.
      const retried = await vscode.commands.executeCommand<{ job: string }>('planet4.approveJob', {
        site,
        job: 'hold-production',
      });
      assert.strictEqual(retried.job, 'hold-production');
      assert.strictEqual(mutations(sb).length, 2);
    } finally {
      sb.clearFaults();
      await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a rollback whose answer never comes: "may have started"; if CircleCI did start it, a second rollback starts nothing', async () => {
    const site = take();
    const tag = api.fleet.get(site)?.pipeline?.tag ?? '';
    assert.ok(tag, `${site} has a release`);
    const slug = `gh/${ORG}/planet4-${site}`;
    await config().update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      sb.inject({ service: 'circleci', method: 'POST', path: '/pipeline', kind: 'hang', times: 1 });
      assert.strictEqual(
        await rejection('planet4.rollback', { site, tag }),
        `CircleCI did not answer in time while starting the rollback of ${slug} to ${tag}: the rollback pipeline may have started. Refresh the site (or look at the pipelines on CircleCI) before trying again: a second rollback to the same tag first looks for it and does not start another.`,
      );
      assert.strictEqual(mutations(sb).length, 1);
      // CircleCI did start it, only its answer was lost: the sandbox runs the same trigger (as CircleCI would have).
      const started = await fetch(`${sb.circleciApiUrl}/project/${slug}/pipeline`, {
        method: 'POST',
        headers: { 'Circle-Token': sb.tokens.circleci, 'Content-Type': 'application/json' },
        body: JSON.stringify({ tag, parameters: { rollback: true } }),
      });
      const first = ((await started.json()) as { number: number }).number;
      assert.deepStrictEqual(await rollbackPipelines(site, tag), [first]);
      sb.clearRequests();

      const again = await vscode.commands.executeCommand<RollbackResult>('planet4.rollback', { site, tag });
      assert.deepStrictEqual(again, { site, tag, pipelineNumber: first, alreadyStarted: true });
      assert.deepStrictEqual(mutations(sb), [], 'no second trigger');
      assert.deepStrictEqual(await rollbackPipelines(site, tag), [first], 'one rollback pipeline');
    } finally {
      sb.clearFaults();
      await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a rollback whose request hung and started nothing is started by the second attempt, once', async () => {
    const site = take();
    const tag = api.fleet.get(site)?.pipeline?.tag ?? '';
    await config().update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      sb.inject({ service: 'circleci', method: 'POST', path: '/pipeline', kind: 'hang', times: 1 });
      assert.match(await rejection('planet4.rollback', { site, tag }), /may have started/);
      assert.deepStrictEqual(await rollbackPipelines(site, tag), [], 'the hung request started nothing');
      sb.clearRequests();
      const again = await vscode.commands.executeCommand<RollbackResult>('planet4.rollback', { site, tag });
      assert.strictEqual(again.alreadyStarted, undefined);
      assert.strictEqual(mutations(sb).length, 1, 'sent once');
      assert.deepStrictEqual(await rollbackPipelines(site, tag), [again.pipelineNumber]);
      // and a double click right after it gets the same pipeline instead of a second one
      sb.clearRequests();
      const third = await vscode.commands.executeCommand<RollbackResult>('planet4.rollback', { site, tag });
      assert.deepStrictEqual(third, { site, tag, pipelineNumber: again.pipelineNumber, alreadyStarted: true });
      assert.deepStrictEqual(mutations(sb), []);
    } finally {
      sb.clearFaults();
      await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  // Last: it replaces the sandbox.
  it('right after activation (no site list yet), a command on {site} waits for the list and acts on loaded data', async () => {
    // A new sandbox is what a new window is: the extension starts over, with no site list and nothing restored.
    sb = await (await extensionApi()).startSandbox({ clock: 'manual', scenario: 'mixed' });
    assert.deepStrictEqual(api.fleet.sites, [], 'nothing loaded yet');
    const site = sb.roles.visualDiffs[0] ?? '';
    const approved = vscode.commands.executeCommand<{ site: string; job: string }>('planet4.approveJob', {
      site,
      job: 'hold-production',
    });
    const outsider = rejection('planet4.rollback', { site: 'atlantis', tag: 'v1.2.3' });
    const result = await approved;
    assert.strictEqual(result.site, site);
    assert.strictEqual(result.job, 'hold-production');
    assert.match(await outsider, /Unknown site "atlantis": it is not in the Planet 4 site list/);
    assert.strictEqual(api.fleet.sites.length, sb.sites.length, 'the site list was loaded first');
    const approvals = mutations(sb).filter((r) => r.path.includes('/approve/'));
    assert.strictEqual(approvals.length, 1);
    await waitFor(
      'deploy-production starts',
      () => api.fleet.get(site)?.stages.find((s) => s.name === 'deploy-production')?.status === 'running',
      60_000,
    );
  });
});
