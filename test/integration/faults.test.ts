// Fault injection in the real extension host: what the view and the commands do when the services fail.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { api as extensionApi, mutations, rejection, sandbox, siteNodes, waitFor } from './support';

const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');

describe('faults: the view and the commands when the services fail', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    assert.strictEqual(api.viewState(), 'ready');
  });
  beforeEach(() => {
    sb.clearFaults();
    sb.clearRequests();
  });
  after(async () => {
    sb.clearFaults();
    await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await api.stopSandbox();
  });

  it('a 401 mid-session moves the view to circleciUnauthorized, and back once the fault is gone', async () => {
    const remove = sb.inject({ service: 'circleci', kind: 'unauthorized' });
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'circleciUnauthorized');
    assert.deepStrictEqual(api.pipelines.getChildren(), [], 'the sign-in welcome instead of 53 errors');
    remove();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'ready');
    assert.strictEqual(siteNodes(api).length, 53);
  });

  it('a persistent 401 or outage keeps its state through a second Refresh', async () => {
    const remove401 = sb.inject({ service: 'circleci', kind: 'unauthorized' });
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'circleciUnauthorized');
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'circleciUnauthorized', 'a second Refresh with the token still rejected');
    remove401();
    const removeReset = sb.inject({ service: 'circleci', kind: 'reset' });
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'unreachable');
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'unreachable', 'a second Refresh while still offline');
    removeReset();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'ready');
  });

  it('offline CircleCI (every connection reset): one "unreachable" state, then ready again', async () => {
    const remove = sb.inject({ service: 'circleci', kind: 'reset' });
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'unreachable');
    assert.deepStrictEqual(api.pipelines.getChildren(), []);
    remove();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'ready');
    assert.strictEqual(siteNodes(api).length, 53);
  });

  it('fully offline (CircleCI and GitHub reset): "unreachable", not a server error', async () => {
    const remove = sb.inject({ kind: 'reset' });
    const t0 = Date.now();
    await vscode.commands.executeCommand('planet4.refresh');
    const took = Date.now() - t0;
    assert.strictEqual(api.viewState(), 'unreachable');
    assert.ok(took < 10_000, `took ${took} ms to say "unreachable"`);
    remove();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'ready');
  });

  it('a hung site (a request timeout of several full loads) does not keep the other sites from loading', async () => {
    // how long loading every site from scratch takes on this machine now: the timeout is a few times that, so the
    // test checks the order of events, not the machine's speed (a loaded 2-core machine is many times slower)
    const t = Date.now();
    const probe = await (await extensionApi()).startSandbox({ clock: 'manual', scenario: 'mixed' });
    await waitFor(
      'a full load',
      () => probe.sites.every((s) => !['loading', undefined].includes(api.fleet.get(s)?.state)),
      60_000,
    );
    const timeoutSeconds = Math.min(20, Math.max(1, Math.ceil((4 * (Date.now() - t)) / 1000)));
    await config().update('requestTimeoutSeconds', timeoutSeconds, vscode.ConfigurationTarget.Global);
    try {
      // a fresh sandbox: nothing known yet, every site loads from scratch
      const fresh = await (await extensionApi()).startSandbox({ clock: 'manual', scenario: 'mixed' });
      sb = fresh;
      const hung = sb.sites.find((s) => !Object.values(sb.roles).flat().includes(s)) ?? '';
      sb.inject({ service: 'circleci', site: hung, kind: 'hang' });
      const t0 = Date.now();
      const refreshed = vscode.commands.executeCommand('planet4.refresh');
      const others = sb.sites.filter((s) => s !== hung);
      await waitFor(
        'the other sites',
        () => others.every((s) => !['loading', undefined].includes(api.fleet.get(s)?.state)),
        20_000 + timeoutSeconds * 1000,
      );
      const othersMs = Date.now() - t0;
      const hungState = api.fleet.get(hung)?.state;
      assert.ok(
        hungState === undefined || hungState === 'loading',
        `${hung} is still loading when the others are done`,
      );
      await refreshed;
      await waitFor(
        'the hung site to give up',
        () => api.fleet.get(hung)?.state === 'error',
        20_000 + 3 * timeoutSeconds * 1000,
      );
      const hungMs = Date.now() - t0;
      assert.ok(othersMs < hungMs, `others done after ${othersMs} ms, the hung site after ${hungMs} ms`);
      assert.ok(
        hungMs >= timeoutSeconds * 1000,
        `the hung site gave up after ${hungMs} ms, before the ${timeoutSeconds} s timeout`,
      );
      assert.match(api.fleet.get(hung)?.error?.message ?? '', /did not answer in time/);
      assert.strictEqual(api.viewState(), 'ready');
      for (const s of others) assert.notStrictEqual(api.fleet.get(s)?.state, 'error', s);
    } finally {
      sb.clearFaults();
      await config().update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a 500 on approve: approveJob rejects with a user-facing message, and the POST was sent once', async () => {
    await vscode.commands.executeCommand('planet4.refresh');
    const site = sb.roles.visualDiffs[0] ?? '';
    const hold = api.fleet.get(site)?.stages.find((s) => s.name === 'hold-production');
    assert.strictEqual(hold?.status, 'on_hold');
    sb.clearRequests();
    sb.inject({ service: 'circleci', method: 'POST', path: '/approve/', kind: 'status', status: 500 });
    const message = await rejection('planet4.approveJob', { site, job: 'hold-production' });
    assert.match(message, /CircleCI had a server error \(500\)/);
    assert.doesNotMatch(message, /AxiosError|status code|at \w+ \(|CCIPAT_|Circle-Token/i);
    await new Promise((r) => setTimeout(r, 1000)); // a (wrong) delayed retry would land here
    const posts = mutations(sb);
    assert.strictEqual(posts.length, 1, posts.map((r) => `${r.method} ${r.path}`).join(', '));
    assert.match(posts[0]?.path ?? '', /^\/workflow\/[^/]+\/approve\/[^/]+$/);
    assert.strictEqual(posts[0]?.status, 500);
    assert.strictEqual(api.fleet.get(site)?.stages.find((s) => s.name === 'hold-production')?.status, 'on_hold');
  });
});
