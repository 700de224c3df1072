// The platform release in the real VS Code host against the sandbox (issue 13): planet4-base's release v26.17.0
// waits on hold-release; approving it through planet4.approveJob({site: "base"}) starts the wave, the bot tags every
// site 30 s apart on the sandbox clock, the wave's counts move and its outcomes show; a held site is approved; then
// hold-changelog, and the platform release is finished. Every approval is sent once.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { assertNeverForced, mutations, rejection, sandbox } from './support';

const MINUTE = 60_000;
type ShowWarning = (message: string, ...rest: unknown[]) => Thenable<unknown>;

describe('platform: the release wave of planet4-base', function () {
  this.timeout(240_000);
  let api: Planet4Api;
  let sb: Sandbox;
  const asked: { message: string; detail: string }[] = [];
  const window = vscode.window as unknown as { showWarningMessage: ShowWarning };
  const original = window.showWarningMessage;

  const refresh = (): Thenable<unknown> => vscode.commands.executeCommand('planet4.refresh');
  const posts = (): string[] => mutations(sb).map((r) => `${r.method} ${r.path}`);

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed', platformRelease: 'waiting' }));
    await vscode.workspace
      .getConfiguration('planet4')
      .update('confirmActions', true, vscode.ConfigurationTarget.Global);
    window.showWarningMessage = (message: string, ...rest: unknown[]) => {
      const [options, ...actions] = rest as [{ modal?: boolean; detail?: string } | undefined, ...string[]];
      if (options?.modal !== true) return original(message, ...rest);
      asked.push({ message, detail: options.detail ?? '' });
      return Promise.resolve(actions[0]);
    };
  });
  after(async () => {
    window.showWarningMessage = original;
    await vscode.workspace
      .getConfiguration('planet4')
      .update('confirmActions', false, vscode.ConfigurationTarget.Global);
    assertNeverForced(sb);
  });

  it('drives a whole wave: hold-release, the counts, the outcomes, a held site, hold-changelog', async () => {
    const before = api.platform.snapshot();
    assert.strictEqual(before.state, 'waiting');
    assert.strictEqual(before.waitingFor, 'hold-release');
    assert.strictEqual(before.release?.tag, 'v26.17.0');
    assert.strictEqual(api.platform.wave(), undefined, 'no wave before release-sites starts');
    assert.ok(!api.fleet.sites.includes('base'), 'planet4-base is not a site');
    assert.strictEqual(api.fleet.sites.length, 53);

    // refused with a clear message, nothing sent: an unknown job, a job that is not on hold
    sb.clearRequests();
    assert.match(await rejection('planet4.approveJob', { site: 'base', job: 'deploy' }), /no approval job "deploy"/);
    assert.match(
      await rejection('planet4.approveJob', { site: 'base', job: 'hold-changelog' }),
      /hold-changelog of planet4-base v26\.17\.0 is not on hold \(it is blocked\)/,
    );
    assert.deepStrictEqual(posts(), []);
    assert.strictEqual(asked.length, 0, 'no confirmation for a refused approval');

    // hold-release: the confirmation says what happens next; the approval is sent once
    const started = await vscode.commands.executeCommand<{ site: string; job: string; workflowId: string }>(
      'planet4.approveJob',
      {
        site: 'base',
        job: 'hold-release',
      },
    );
    assert.deepStrictEqual(started, { site: 'base', job: 'hold-release', workflowId: before.release.id });
    assert.strictEqual(asked.length, 1);
    assert.match(asked[0]?.message ?? '', /Start the platform release v26\.17\.0\?/);
    assert.match(
      asked[0]?.detail ?? '',
      /tags all 53 sites, 30 s apart, about 27 min; sites without visual differences or \[HOLD\] go to production automatically/,
    );
    assert.match(asked[0]?.detail ?? '', /commit [0-9a-f]{7}/);
    assert.deepStrictEqual(posts(), [
      `POST /workflow/${before.release.id}/approve/${before.release.stages[0]?.approvalRequestId ?? ''}`,
    ]);

    // the wave moves on the sandbox clock
    sb.clock.advance(5 * MINUTE);
    await refresh();
    const early = api.platform.wave();
    assert.ok(early, 'a wave once release-sites runs');
    assert.strictEqual(api.platform.snapshot().state, 'running');
    assert.ok(early.tagged >= 9 && early.tagged <= 11, `tagged after 5 min: ${early.tagged}`);
    assert.strictEqual(early.remaining, 53 - early.tagged);
    // its value depends on the host's real clock against the sandbox's (unit-tested with a fixed now)
    assert.notStrictEqual(early.etaMs, undefined, 'an ETA while release-sites runs');
    sb.clock.advance(10 * MINUTE);
    await refresh();
    const middle = api.platform.wave();
    assert.ok(middle && middle.tagged > early.tagged && middle.remaining < early.remaining, 'the counts move');

    sb.clock.advance(40 * MINUTE); // release-sites is done (26.5 min); every site's production pipeline has run
    await refresh();
    const done = api.platform.wave();
    assert.ok(done);
    assert.strictEqual(api.platform.snapshot().waitingFor, 'hold-changelog');
    assert.strictEqual(done.etaMs, undefined);
    assert.strictEqual(done.tagged, 53 - sb.roles.missingProject.length, 'every site with a project got its tag');
    assert.strictEqual(done.counts['visual-differences'], sb.roles.visualDiffs.length);
    assert.ok(done.counts.hold >= sb.roles.headHold.length, `hold: ${done.counts.hold}`);
    assert.strictEqual(done.counts.failed, sb.roles.failedDeploy.length);
    assert.ok(done.counts.deployed >= 40, `deployed: ${done.counts.deployed}`);
    assert.strictEqual(
      done.needPerson,
      done.counts['visual-differences'] + done.counts.hold + done.counts.failed + done.counts['approval-failed'],
    );
    for (const s of done.sites.filter((x) => x.tag)) {
      assert.strictEqual(s.tag, api.fleet.get(s.site)?.pipeline?.tag, `${s.site}: its new tag`);
    }

    // a held site is approved from the wave: it deploys
    const held = done.sites.find((s) => s.outcome === 'hold');
    assert.ok(held);
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.approveJob', { site: held.site, job: 'hold-production' });
    sb.clock.advance(5 * MINUTE);
    await refresh();
    assert.strictEqual(api.platform.wave()?.sites.find((s) => s.site === held.site)?.outcome, 'deployed');
    assert.strictEqual(posts().length, 1);

    // hold-changelog publishes the changelog: the platform release is finished
    sb.clearRequests();
    const changelog = await vscode.commands.executeCommand<{ job: string }>('planet4.approveJob', {
      site: 'base',
      job: 'hold-changelog',
    });
    assert.strictEqual(changelog.job, 'hold-changelog');
    assert.match(asked.at(-1)?.message ?? '', /Publish the changelog of v26\.17\.0\?/);
    sb.clock.advance(2 * MINUTE);
    await refresh();
    assert.strictEqual(api.platform.snapshot().state, 'finished');
    assert.deepStrictEqual(
      posts().filter((p) => p.includes('/approve/')),
      posts(),
    );
    assert.strictEqual(posts().length, 1, 'hold-changelog approved once');
  });
});
