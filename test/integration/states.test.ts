// Every CircleCI state the tree must read right (issue 12, points 1–3), in the real VS Code host against the
// sandbox: a comparison that timed out, was canceled or unauthorized, a workflow unauthorized, a pipeline still
// setting up, an errored pipeline, and an API-triggered pipeline without vcs.commit whose commit carries [HOLD].
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox, StatePlan } from '../../src/sandbox';
import { pollFast, sandbox } from './support';

const MINUTE = 60_000;

const PLANS: Record<string, StatePlan> = {
  africa: { jobs: { 'visualtests-compare': 'timedout' } },
  aotearoa: { jobs: { 'visualtests-compare': 'canceled' } },
  argentina: { jobs: { 'visualtests-compare': 'unauthorized' } },
  australiapacific: { workflow: 'unauthorized' },
  belgium: { setup: { state: 'setup', minutes: 3 } },
  brasil: { errored: 'Config does not conform to schema: jobs.build is missing' },
  bulgaria: { noCommit: true },
  canada: {},
};

describe('states: every CircleCI state in the tree', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  const pipelineNumber = new Map<string, number>();

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'green', sites: Object.keys(PLANS), states: PLANS }));
    for (const site of Object.keys(PLANS)) {
      sb.pushCommit(site, site === 'bulgaria' ? 'Campaign page\n\n[HOLD] wait for the launch' : `Change ${site}`);
      sb.botReleaseTag(site);
    }
    await vscode.commands.executeCommand('planet4.refresh');
    for (const site of Object.keys(PLANS)) pipelineNumber.set(site, api.fleet.get(site)?.pipeline?.number ?? -1);
  });
  after(async () => {
    await api.stopSandbox();
  });

  const item = (site: string): vscode.TreeItem => api.pipelines.getTreeItem(api.pipelines.nodeFor(site));
  const iconId = (i: vscode.TreeItem): string => (i.iconPath as vscode.ThemeIcon).id;
  it('a pipeline still setting up says so and is watched fast; an errored one shows its message', async () => {
    const setup = item('belgium');
    assert.match(String(setup.description), new RegExp(`setting up pipeline #${pipelineNumber.get('belgium')}`));
    assert.doesNotMatch(String(setup.description), /no workflows/);
    assert.match(String(setup.contextValue), /state=setting-up;/);
    assert.strictEqual(iconId(setup), 'loading~spin');
    const errored = item('brasil');
    assert.match(String(errored.description), /errored: Config does not conform to schema: jobs.build is missing/);
    assert.match(String(errored.contextValue), /state=pipeline-error;/);
    assert.strictEqual(iconId(errored), 'error');
    const polled = await pollFast(api, sb);
    assert.ok(polled('belgium'), 'a pipeline setting up is polled fast');
    assert.ok(!polled('brasil'), 'an errored pipeline is not');
  });

  it('once set up, the tree shows the workflow', async () => {
    sb.clock.advance(4 * MINUTE);
    await vscode.commands.executeCommand('planet4.refresh');
    const s = api.fleet.get('belgium');
    assert.strictEqual(s?.workflow?.name, 'production');
    assert.strictEqual(s.state, 'running');
    assert.match(String(item('belgium').description), /running/);
  });

  it('compare timed out, canceled, unauthorized, and a workflow unauthorized: own words, icons, context', async () => {
    sb.clock.advance(12 * MINUTE); // visualtests-compare has ended everywhere
    await vscode.commands.executeCommand('planet4.refresh');
    const expect: Record<string, [RegExp, string, string]> = {
      africa: [/waiting for approval: visual tests did not finish/, 'hold=compare-broken', 'debug-pause'],
      aotearoa: [/waiting for approval: visual tests canceled/, 'hold=compare-canceled', 'debug-pause'],
      argentina: [/waiting for approval: visual tests unauthorized/, 'hold=compare-unauthorized', 'debug-pause'],
      australiapacific: [/failed: unauthorized \(restricted context\)/, 'state=failed', 'error'],
    };
    for (const [site, [words, context, icon]] of Object.entries(expect)) {
      const i = item(site);
      assert.match(String(i.description), words, site);
      assert.doesNotMatch(String(i.description), /still comparing|visual differences/, site);
      assert.ok(String(i.contextValue).includes(context), `${site}: ${String(i.contextValue)}`);
      assert.strictEqual(iconId(i), icon, site);
    }
    const compare = api.pipelines.getTreeItem(api.pipelines.nodeFor('argentina', 'visualtests-compare'));
    assert.match(String(compare.description), /unauthorized \(restricted context\)/);
    assert.match((compare.tooltip as vscode.MarkdownString).value, /restricted context/);
    const problem = api.pipelines
      .getChildren(api.pipelines.nodeFor('australiapacific'))
      .map((n) => api.pipelines.getTreeItem(n))
      .find((i) => String(i.contextValue).startsWith('problem;'));
    assert.match(problem?.label as string, /^Unauthorized: /);
    assert.match(problem?.tooltip as string, /restricted context/);
  });

  it('a [HOLD] in an API-triggered pipeline without vcs.commit reads held, not automatic approval failed', () => {
    const i = item('bulgaria');
    assert.match(String(i.description), /held by \[HOLD\]/);
    assert.doesNotMatch(String(i.description), /automatic approval failed/);
  });

  it('sites whose comparison has no verdict are not polled fast, nor one waiting only for a person; a running one is', async () => {
    // the control: a new release of canada, running
    sb.pushCommit('canada', 'Another change');
    sb.botReleaseTag('canada');
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.fleet.get('canada')?.state, 'running');
    assert.strictEqual(api.fleet.get('bulgaria')?.state, 'waiting');
    const polled = await pollFast(api, sb);
    for (const site of ['africa', 'aotearoa', 'argentina', 'australiapacific']) {
      assert.ok(!polled(site), `${site} is not polled fast`);
    }
    // issue 12.9: a release whose jobs all wait for a person changes only when someone acts: the slow cycle reads it
    assert.ok(!polled('bulgaria'), 'a release waiting on [HOLD] alone is not polled fast');
    assert.ok(polled('canada'), 'a running release is polled fast (the control)');
  });
});
