/**
 * The platform release's shell in the real host: hand-made snapshots and waves set into `api.platform` (the
 * loader that feeds it in real use is another part), and what the tree, the view message, the wave report, Copy as
 * Markdown and the notification make of them.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { PlatformSnapshot, PlatformStage, Wave, WaveOutcome, WaveSite } from '../../src/core/platform/types';
import type { Planet4Api } from '../../src/extension';
import type { PipelineNode } from '../../src/treeViews/nodes';
import { sandbox } from './support';

const OUTCOMES: WaveOutcome[] = [
  'not-tagged',
  'running',
  'deployed',
  'visual-differences',
  'hold',
  'approval-failed',
  'waiting',
  'rejected',
  'failed',
  'canceled',
  'unknown',
];
const NEED: WaveOutcome[] = ['visual-differences', 'hold', 'approval-failed', 'waiting', 'failed'];

/** A base tag of its own per run: the notification remembers the tags it told of across runs. */
const BASE_TAG = `v26.17.${Date.now() % 100000}`;

function makeWave(sites: WaveSite[], extra: Partial<Wave> = {}): Wave {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, sites.filter((s) => s.outcome === o).length])) as Record<
    WaveOutcome,
    number
  >;
  const tagged = sites.filter((s) => s.tag !== undefined).length;
  return {
    baseTag: BASE_TAG,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    total: sites.length,
    tagged,
    remaining: sites.length - tagged,
    sites,
    counts,
    needPerson: sites.filter((s) => NEED.includes(s.outcome)).length,
    ...extra,
  };
}

const st = (name: string, status: string, type: 'approval' | 'build', extra: Partial<PlatformStage> = {}) =>
  ({ name, status, type, ...extra }) as PlatformStage;

function release(stages: PlatformStage[]): PlatformSnapshot['release'] {
  return {
    id: '5f0c8e0e-0000-4000-8000-000000000001',
    name: 'release',
    status: 'running',
    createdAt: new Date(Date.now() - 600_000).toISOString(),
    pipelineId: 'p-1',
    pipelineNumber: 812,
    tag: BASE_TAG,
    stages,
  };
}

const approvedAt = new Date(Date.now() - 120_000).toISOString();

describe('platform view: the platform node, the wave, the wave report, the notification', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sites: string[];
  let tagOf: (site: string) => string;

  const item = (n: PipelineNode): vscode.TreeItem => api.pipelines.getTreeItem(n);
  const roots = (): PipelineNode[] => api.pipelines.getChildren();

  /** Mid-wave: site 0 tagged (with its current pipeline tag), visual differences; site 1 deployed; site 2 not yet. */
  function midWave(): Wave {
    return makeWave(
      [
        {
          site: sites[0] ?? '',
          order: 0,
          tag: tagOf(sites[0] ?? ''),
          pipelineNumber: 41,
          outcome: 'visual-differences',
        },
        { site: sites[1] ?? '', order: 1, tag: 'v9.9.9', pipelineNumber: 42, outcome: 'deployed' },
        { site: sites[2] ?? '', order: 2, outcome: 'not-tagged' },
      ],
      { etaMs: 30_000 },
    );
  }

  function setRunning(): void {
    api.platform.set(
      {
        state: 'running',
        release: release([
          st('hold-release', 'success', 'approval', { approvedByLogin: 'rmanager', stoppedAt: approvedAt }),
          st('release-sites', 'running', 'build', { startedAt: approvedAt }),
          st('hold-changelog', 'blocked', 'approval'),
          st('changelog', 'blocked', 'build'),
        ]),
      },
      midWave(),
    );
  }

  before(async () => {
    ({ api } = await sandbox({ scenario: 'mixed' }));
    sites = api.fleet
      .all()
      .filter((s) => s.pipeline)
      .map((s) => s.site);
    assert.ok(sites.length >= 3);
    tagOf = (site) => api.fleet.get(site)?.pipeline?.tag ?? '';
  });
  after(async () => {
    api.platform.set({ state: 'no-release' }, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.stopSandbox();
  });

  it('shows the platform node first, apart from the sites, with its stages and the wave', () => {
    setRunning();
    const [first, second] = roots();
    assert.ok(first && second);
    assert.strictEqual(first.id, 'platform');
    assert.strictEqual(second.kind, 'site', 'the sites follow the platform node');
    const p = item(first);
    assert.strictEqual(p.label, `Platform release ${BASE_TAG}`);
    assert.strictEqual(p.contextValue, 'platform;state=running;waitingFor=none;develop=none;wave=live;');
    assert.strictEqual(p.description, 'running release-sites');
    assert.ok(!api.fleet.sites.includes(first.site) && first.site === 'base', 'never counted as a site');

    const children = api.pipelines.getChildren(first);
    assert.deepStrictEqual(
      children.map((c) => c.id),
      [
        'platform:wave',
        'platform:release:hold-release',
        'platform:release:release-sites',
        'platform:release:hold-changelog',
        'platform:release:changelog',
      ],
    );
    const hold = item(children[1] as PipelineNode);
    assert.match(String(hold.description), /^approval · approved by rmanager · /);
    assert.strictEqual(
      hold.contextValue,
      'platformStage;job=hold-release;type=approval;status=success;workflow=release;approvable=no;',
    );
    assert.match(String(item(children[3] as PipelineNode).description), /waits for release-sites/);

    const wave = children[0] as PipelineNode;
    assert.strictEqual(item(wave).label, 'Wave: 2 of 3 sites tagged · 1 remaining · ETA ~1 min');
    assert.strictEqual(item(wave).command?.command, 'planet4.openWaveReport');
    const groups = api.pipelines.getChildren(wave);
    assert.deepStrictEqual(
      groups.map((g) => [item(g).label, item(g).description]),
      [
        ['waiting: visual differences', '1'],
        ['deployed', '1'],
        ['not yet tagged', '1'],
      ],
    );
    const [waveSite] = api.pipelines.getChildren(groups[0]);
    assert.ok(waveSite);
    assert.strictEqual(item(waveSite).label, sites[0]);
    assert.deepStrictEqual(item(waveSite).command?.arguments, [{ site: sites[0] }]);
    assert.strictEqual(api.pipelines.getParent(waveSite), groups[0]);
  });

  it('a site row says when its latest release belongs to the wave; the message counts the wave', () => {
    setRunning();
    const rowOf = (site: string): vscode.TreeItem => item(api.pipelines.nodeFor(site));
    assert.match(String(rowOf(sites[0] ?? '').description), new RegExp(`wave ${BASE_TAG.replace(/\./g, '\\.')}`));
    assert.doesNotMatch(String(rowOf(sites[1] ?? '').description), /wave v/, 'its tag is not the one the wave gave');
    assert.strictEqual(api.treeView.message, `Wave ${BASE_TAG}: 1 site needs a person · 2 of 3 tagged`);
  });

  it('offers Approve on base approval jobs on hold, shows hold-dev-sites, and hides with no release', () => {
    const dev = release([st('hold-dev-sites', 'on_hold', 'approval')]);
    api.platform.set(
      {
        state: 'waiting',
        waitingFor: 'hold-release',
        release: release([st('hold-release', 'on_hold', 'approval'), st('release-sites', 'blocked', 'build')]),
        ...(dev ? { developWaiting: { ...dev, name: 'develop', tag: undefined } } : {}),
      },
      undefined,
    );
    const [first] = roots();
    assert.ok(first);
    assert.strictEqual(
      item(first).contextValue,
      'platform;state=waiting;waitingFor=hold-release;develop=waiting;wave=none;',
    );
    assert.match(String(item(first).description), /^waiting for hold-release · develop waiting for hold-dev-sites$/);
    const children = api.pipelines.getChildren(first);
    assert.deepStrictEqual(
      children.map((c) => c.id),
      ['platform:release:hold-release', 'platform:release:release-sites', 'platform:develop:hold-dev-sites'],
    );
    assert.match(
      String(item(children[0] as PipelineNode).contextValue),
      /^platformStage;job=hold-release;.*;approvable=yes;$/,
    );
    assert.strictEqual(item(children[2] as PipelineNode).label, 'hold-dev-sites (develop)');
    // what the tree hands planet4.approveJob from this row: {site: "base", job}
    assert.deepStrictEqual(
      { site: children[0]?.site, job: (children[0] as { job?: string }).job },
      { site: 'base', job: 'hold-release' },
    );
    assert.notStrictEqual(api.treeView.message?.startsWith('Wave'), true, 'no live wave: the fleet counts');

    api.platform.set(
      { state: 'error', error: { kind: 'unknown', message: 'planet4-base could not be read' } },
      undefined,
    );
    const [err] = roots();
    assert.ok(err);
    assert.strictEqual(err.id, 'platform');
    assert.strictEqual(item(api.pipelines.getChildren(err)[0] as PipelineNode).label, 'planet4-base could not be read');

    api.platform.set({ state: 'no-release' }, undefined);
    assert.strictEqual(roots()[0]?.kind, 'site', 'no release and nothing waits: no platform node');
  });

  it('opens the wave report, lists every site in order, and copies it as Markdown', async () => {
    setRunning();
    const result = await vscode.commands.executeCommand('planet4.openWaveReport');
    assert.deepStrictEqual(result, { baseTag: BASE_TAG, sites: 3, needPerson: 1 });
    assert.ok(api.waveReport.isOpen);
    const last = api.waveReport.posted.at(-1);
    assert.ok(last?.type === 'update');
    assert.deepStrictEqual(
      last.rows.map((r) => [r.site, r.outcome]),
      [
        [sites[0], 'visual-differences'],
        [sites[1], 'deployed'],
        [sites[2], 'not-tagged'],
      ],
    );
    assert.strictEqual(last.nextSite, sites[0]);

    await vscode.env.clipboard.writeText('');
    const md = await api.waveReport.copyMarkdown();
    const clip = await vscode.env.clipboard.readText();
    assert.strictEqual(clip, md);
    assert.match(clip, /^### Platform release v26\.17\./);
    assert.ok(clip.includes('| Site | New tag | Outcome |'));
    assert.ok(clip.includes(`| ${sites[0]} | [${tagOf(sites[0] ?? '')}](https://app.circleci.com/pipelines/github/`));
    assert.ok(clip.includes(`| ${sites[2]} | — | not yet tagged |`));

    // live: a change of the store reaches the open report
    const n = api.waveReport.posted.length;
    api.platform.set(api.platform.snapshot(), { ...midWave(), tagged: 3, remaining: 0 });
    assert.strictEqual(api.waveReport.posted.length, n + 1);
  });

  it('notifies once when the wave is over', () => {
    setRunning();
    const shown = (): unknown[] => api.waveNotice.shown.filter((s) => s.baseTag === BASE_TAG);
    assert.deepStrictEqual(shown(), [], 'release-sites still runs');
    const done = makeWave(
      [
        { site: sites[0] ?? '', order: 0, tag: 'v1.0.1', pipelineNumber: 41, outcome: 'visual-differences' },
        { site: sites[1] ?? '', order: 1, tag: 'v9.9.9', pipelineNumber: 42, outcome: 'deployed' },
        { site: sites[2] ?? '', order: 2, tag: 'v2.0.1', pipelineNumber: 43, outcome: 'hold' },
      ],
      { finishedAt: new Date().toISOString() },
    );
    const stages = [
      st('hold-release', 'success', 'approval'),
      st('release-sites', 'success', 'build', { stoppedAt: new Date().toISOString() }),
      st('hold-changelog', 'on_hold', 'approval'),
    ];
    api.platform.set({ state: 'waiting', waitingFor: 'hold-changelog', release: release(stages) }, done);
    assert.deepStrictEqual(shown(), [
      { baseTag: BASE_TAG, message: `Platform release ${BASE_TAG}: 3 sites tagged, 2 need a person.` },
    ]);
    api.platform.set({ state: 'waiting', waitingFor: 'hold-changelog', release: release(stages), updatedAt: 1 }, done);
    assert.strictEqual(shown().length, 1, 'once per wave');
  });
});
