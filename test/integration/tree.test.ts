import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import type { StageNode } from '../../src/treeViews/nodes';
import { sandbox, siteNodes, waitFor } from './support';

describe('tree: every site of the mixed scenario', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
  });
  after(async () => {
    await api.stopSandbox();
  });

  const item = (site: string): vscode.TreeItem => api.pipelines.getTreeItem(api.pipelines.nodeFor(site));
  const childLabels = (site: string): string[] =>
    api.pipelines.getChildren(api.pipelines.nodeFor(site)).map((n) => {
      const label = api.pipelines.getTreeItem(n).label;
      return typeof label === 'string' ? label : (label?.label ?? '');
    });

  it('lists all 53 sites with stable ids, needing-a-person first', () => {
    // the platform node (planet4-base's release, issue 13) comes first, apart: it is no site
    const all = api.pipelines.getChildren();
    assert.strictEqual(all[0]?.id, 'platform', 'the platform node comes first');
    assert.ok(!api.fleet.sites.includes(all[0].site), 'the platform node is no site');
    const roots = siteNodes(api);
    assert.deepStrictEqual(all.slice(1), roots, 'below it, the sites and nothing else');
    assert.strictEqual(roots.length, 53);
    assert.strictEqual(new Set(roots.map((n) => n.id)).size, 53);
    assert.ok(roots.every((n) => n.id === `site:${n.site}`));
    const states = roots.map((n) => api.fleet.get(n.site)?.state);
    const firstOther = states.findIndex((s) => s !== 'waiting' && s !== 'failed');
    assert.ok(firstOther > 0);
    assert.ok(
      states.slice(firstOther).every((s) => s !== 'waiting' && s !== 'failed'),
      'waiting/failed sites come first',
    );
    assert.ok(
      roots.every((n) => api.pipelines.getChildren().find((m) => m.id === n.id) === n),
      'the same node object per id',
    );
  });

  it('describes each site: tag and state in words, icon, contextValue', () => {
    const deployed = sb.sites.find((s) => api.fleet.get(s)?.state === 'deployed') ?? '';
    const d = item(deployed);
    assert.match(String(d.description), /^v\d+(\.\d+)* · deployed$/);
    assert.strictEqual((d.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.match(d.contextValue ?? '', /^site;state=deployed;hold=none;workflow=production;/);
    assert.ok(d.tooltip instanceof vscode.MarkdownString);
    assert.match(d.tooltip.value, /app\.circleci\.com\/pipelines\/github\/greenpeace\/planet4-/);
  });

  it('explains every hold: visual differences, [HOLD], automatic approval failed', () => {
    for (const s of sb.roles.autoApprovalFailed) {
      assert.match(String(item(s).description), /waiting for approval: automatic approval failed/);
      assert.ok(childLabels(s).includes('On hold: automatic approval failed'), s);
    }
    for (const s of sb.roles.visualDiffs) {
      assert.match(String(item(s).description), /waiting for approval: visual differences/);
      assert.ok(childLabels(s).includes('On hold: visual differences'), s);
    }
    for (const s of sb.roles.held) {
      assert.match(String(item(s).description), /waiting for approval: held by \[HOLD\] in the tagged commit/);
      assert.ok(childLabels(s).includes('On hold: held by [HOLD] in the tagged commit'), s);
    }
  });

  it('shows the production stages in dependency order, approvals marked', () => {
    const s = sb.roles.visualDiffs[0] ?? '';
    const stages = api.pipelines
      .getChildren(api.pipelines.nodeFor(s))
      .filter((n): n is StageNode => n.kind === 'stage');
    assert.deepStrictEqual(
      stages.map((n) => n.job),
      [
        'visualtests-reference',
        'build',
        'deploy-staging',
        'visualtests-compare',
        'rollback-staging',
        'finish-staging',
        'hold-production',
        'deploy-production',
      ],
    );
    const hold = api.pipelines.getTreeItem(api.pipelines.nodeFor(s, 'hold-production'));
    assert.match(String(hold.description), /^approval · waiting for approval/);
    assert.strictEqual(
      hold.contextValue,
      'stage;job=hold-production;type=approval;status=on_hold;workflow=production;',
    );
    const compare = api.pipelines.getTreeItem(api.pipelines.nodeFor(s, 'visualtests-compare'));
    assert.match(String(compare.description), /^failed · /);
  });

  it('follows a rollback workflow', () => {
    const s = sb.roles.rollingBack[0] ?? '';
    assert.strictEqual(api.fleet.get(s)?.workflow?.kind, 'rollback');
    assert.deepStrictEqual(
      childLabels(s).filter((l) => !l.startsWith('Next release')),
      ['rollback-staging', 'hold-production', 'hold-production-db', 'rollback-production', 'rollback-production-db'],
    );
    assert.match(item(s).contextValue ?? '', /workflow=rollback;onhold=hold-production,hold-production-db;/);
  });

  it('gives non-pipeline states their own node', () => {
    const s = sb.roles.missingProject[0] ?? '';
    assert.strictEqual(api.fleet.get(s)?.state, 'no-project');
    assert.match(String(item(s).description), /CircleCI project not found/);
    assert.ok(childLabels(s).some((l) => /not found, not followed, or the token has no access/.test(l)));
  });

  it('shows failed deploys and running pipelines', () => {
    for (const s of sb.roles.failedDeploy) assert.match(String(item(s).description), /· failed$/);
    for (const s of sb.roles.running) {
      assert.match(
        String(item(s).description),
        /running: (visualtests-reference|build|deploy-staging|visualtests-compare|deploy-production)/,
      );
      assert.strictEqual((item(s).iconPath as vscode.ThemeIcon).id, 'sync~spin');
    }
  });

  it('shows the next release and a [HOLD] on main HEAD', () => {
    for (const s of sb.roles.headHold) {
      const next = api.pipelines
        .getChildren(api.pipelines.nodeFor(s))
        .find((n) => n.kind === 'detail' && n.detail === 'next');
      assert.ok(next, s);
      assert.match(String(api.pipelines.getTreeItem(next).description), /HEAD carries \[HOLD\]/);
    }
  });

  it('counts the fleet in the view message and badges the waiting sites', () => {
    const waiting = api.fleet.all().filter((s) => s.state === 'waiting').length;
    assert.ok(waiting >= 5);
    assert.match(
      api.treeView.message ?? '',
      new RegExp(`\\d+ deployed · ${waiting} waiting for approval · \\d+ running · \\d+ failed`),
    );
    assert.strictEqual(api.treeView.badge?.value, waiting);
  });

  it('filters: needs attention / running / failed / all', async () => {
    // the platform node is not filtered like a site (issue 13): it stays first under every filter
    const platformFirst = (filter: string): void => {
      const roots = api.pipelines.getChildren();
      assert.strictEqual(roots[0]?.id, 'platform', `the platform node under "${filter}"`);
      assert.strictEqual(roots.length, siteNodes(api).length + 1, `only sites below it under "${filter}"`);
    };
    try {
      await vscode.commands.executeCommand('planet4.filter', { filter: 'failed' });
      platformFirst('failed');
      assert.deepStrictEqual(
        siteNodes(api)
          .map((n) => n.site)
          .sort(),
        [...sb.roles.failedDeploy].sort(),
      );
      await vscode.commands.executeCommand('planet4.filter', { filter: 'running' });
      platformFirst('running');
      assert.ok(siteNodes(api).length > 0);
      assert.ok(siteNodes(api).every((n) => api.fleet.get(n.site)?.state === 'running'));
      await vscode.commands.executeCommand('planet4.filter', { filter: 'attention' });
      platformFirst('attention');
      assert.ok(siteNodes(api).length >= sb.roles.visualDiffs.length + sb.roles.failedDeploy.length);
    } finally {
      // a failure above must not leave the filter on for the suites that follow
      await vscode.commands.executeCommand('planet4.filter', { filter: 'all' });
    }
    platformFirst('all');
    assert.strictEqual(siteNodes(api).length, 53);
  });

  it('does not ask again for finished workflows on a second refresh', async () => {
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.refresh');
    const finished = api.fleet
      .all()
      .filter((s) => s.state === 'deployed')
      .map((s) => s.workflow?.id);
    assert.ok(finished.length > 30);
    const asked = sb.requests.filter(
      (r) => r.service === 'circleci' && finished.some((id) => id && r.path.includes(id)),
    );
    assert.deepStrictEqual(asked, []);
  });

  it('polls while the view is visible in a focused window, and pauses while it is hidden', async () => {
    await vscode.commands.executeCommand('planet4.pipelines.focus');
    await waitFor('view visible', () => api.treeView.visible);
    assert.strictEqual(api.viewState(), 'ready');
    assert.strictEqual(api.poller.isActive, vscode.window.state.focused, 'polling follows the window focus');
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('view hidden', () => !api.treeView.visible);
    assert.strictEqual(api.poller.isActive, false);
    const before = sb.requests.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(sb.requests.length, before, 'no request while hidden');
  });
});

describe('tree: failures stay on their site', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'green' }));
  });
  after(async () => {
    sb.clearFaults();
    await api.stopSandbox();
  });

  it('a 500 on one site leaves the others correct, with a retry', async () => {
    const broken = sb.sites[7] ?? '';
    const remove = sb.inject({
      service: 'circleci',
      site: broken,
      kind: 'status',
      status: 500,
      body: { message: 'boom' },
    });
    await vscode.commands.executeCommand('planet4.refresh');
    await vscode.commands.executeCommand('planet4.refreshSite', { site: broken });
    assert.strictEqual(api.fleet.get(broken)?.state, 'error');
    const problem = api.pipelines
      .getChildren(api.pipelines.nodeFor(broken))
      .find((n) => n.kind === 'detail' && n.detail === 'problem');
    assert.ok(problem);
    const p = api.pipelines.getTreeItem(problem);
    assert.match(typeof p.label === 'string' ? p.label : (p.label?.label ?? ''), /server error \(500\)/);
    assert.strictEqual(p.command?.command, 'planet4.refreshSite');
    for (const s of sb.sites.filter((x) => x !== broken)) assert.strictEqual(api.fleet.get(s)?.state, 'deployed', s);
    remove();
    await vscode.commands.executeCommand('planet4.refreshSite', { site: broken });
    assert.strictEqual(api.fleet.get(broken)?.state, 'deployed');
  });

  it('a 401 leads to the sign-in state', async () => {
    const remove = sb.inject({ service: 'circleci', kind: 'unauthorized' });
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'circleciUnauthorized');
    assert.deepStrictEqual(api.pipelines.getChildren(), [], 'the welcome view shows instead of sites');
    remove();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'ready');
    assert.strictEqual(siteNodes(api).length, 53);
  });
});
