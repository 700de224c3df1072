/** The platform release's pure parts the shell shows: context values, wave state, the Markdown for the channel. */
import * as assert from 'node:assert/strict';
import type { PlatformSnapshot, PlatformStage, Wave, WaveOutcome, WaveSite } from '../../src/core/platform/types';
import {
  siteInWave,
  platformContextValue,
  platformHidden,
  platformStageContextValue,
  sitesNeedingPerson,
  waveFinished,
  waveLive,
  waveMarkdown,
} from '../../src/core/platform/waveView';

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

function wave(sites: Partial<WaveSite>[], extra: Partial<Wave> = {}): Wave {
  const all: WaveSite[] = sites.map((s, i) => ({ site: `site${i}`, order: i, outcome: 'not-tagged', ...s }));
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, all.filter((s) => s.outcome === o).length])) as Record<
    WaveOutcome,
    number
  >;
  const tagged = all.filter((s) => s.tag !== undefined).length;
  return {
    baseTag: 'v26.17.0',
    startedAt: '2026-06-01T10:00:00Z',
    total: all.length,
    tagged,
    remaining: all.length - tagged,
    sites: all,
    counts,
    needPerson: all.filter((s) =>
      ['visual-differences', 'hold', 'approval-failed', 'waiting', 'failed'].includes(s.outcome),
    ).length,
    ...extra,
  };
}

const stage = (name: string, status: string, type: 'approval' | 'build' = 'build'): PlatformStage =>
  ({ name, status, type }) as PlatformStage;

function snapshot(
  state: PlatformSnapshot['state'],
  stages: PlatformStage[] = [],
  extra: Partial<PlatformSnapshot> = {},
) {
  return {
    state,
    release: {
      id: 'w1',
      name: 'release',
      status: 'running',
      createdAt: '2026-06-01T09:00:00Z',
      pipelineId: 'p1',
      pipelineNumber: 812,
      tag: 'v26.17.0',
      stages,
    },
    ...extra,
  } as PlatformSnapshot;
}

describe('platform release: what the shell shows', () => {
  it('the platform node context value encodes kind, state, what it waits for and the wave', () => {
    const s = snapshot('waiting', [stage('hold-release', 'on_hold', 'approval')], { waitingFor: 'hold-release' });
    assert.equal(
      platformContextValue(s, undefined),
      'platform;state=waiting;waitingFor=hold-release;develop=none;wave=none;',
    );
    const live = snapshot('running', [stage('release-sites', 'running')]);
    assert.equal(
      platformContextValue(live, wave([{ tag: 'v1.2.3', outcome: 'running' }])),
      'platform;state=running;waitingFor=none;develop=none;wave=live;',
    );
    assert.equal(
      platformContextValue(snapshot('finished'), wave([])),
      'platform;state=finished;waitingFor=none;develop=none;wave=over;',
    );
  });

  it('only base approval jobs on hold are approvable from a stage row', () => {
    assert.equal(
      platformStageContextValue(stage('hold-release', 'on_hold', 'approval'), 'release'),
      'platformStage;job=hold-release;type=approval;status=on_hold;workflow=release;approvable=yes;',
    );
    assert.match(
      platformStageContextValue(stage('hold-dev-sites', 'on_hold', 'approval'), 'develop'),
      /;workflow=develop;approvable=yes;$/,
    );
    assert.match(
      platformStageContextValue(stage('hold-changelog', 'success', 'approval'), 'release'),
      /approvable=no;$/,
    );
    assert.match(platformStageContextValue(stage('release-sites', 'on_hold'), 'release'), /approvable=no;$/);
    assert.match(platformStageContextValue(stage('hold-other', 'on_hold', 'approval'), 'release'), /approvable=no;$/);
  });

  it('the node is hidden when there is no release and nothing waits, shown when develop waits', () => {
    assert.equal(platformHidden({ state: 'no-release' }), true);
    assert.equal(platformHidden({ state: 'loading' }), true);
    assert.equal(platformHidden({ state: 'error', error: { kind: 'unknown', message: 'x' } }), false);
    const dev = snapshot('no-release').release;
    assert.equal(platformHidden({ state: 'no-release', ...(dev ? { developWaiting: dev } : {}) }), false);
  });

  it('the wave is over when release-sites stopped and no tagged site still runs', () => {
    const running = wave(
      [
        { tag: 'v1', outcome: 'deployed' },
        { tag: 'v2', outcome: 'running' },
      ],
      { finishedAt: '2026-06-01T10:30:00Z' },
    );
    const s = snapshot('running', [stage('release-sites', 'success')]);
    assert.equal(waveFinished(s, running), false, 'a tagged site still runs');
    const settled = wave(
      [
        { tag: 'v1', outcome: 'deployed' },
        { tag: 'v2', outcome: 'hold' },
      ],
      { finishedAt: '2026-06-01T10:30:00Z' },
    );
    assert.equal(waveFinished(s, settled), true);
    assert.equal(
      waveFinished(s, wave([{ tag: 'v1', outcome: 'deployed' }, { outcome: 'not-tagged' }])),
      false,
      'release-sites still runs',
    );
    assert.equal(waveLive(snapshot('finished'), settled), false);
    assert.equal(waveLive(snapshot('waiting'), settled), true, 'hold-changelog waits: the wave is still the news');
  });

  it('a site is in the wave only with the tag the wave gave it', () => {
    const w = wave([{ site: 'africa', tag: 'v1.2.3', outcome: 'deployed' }]);
    assert.equal(siteInWave(w, 'africa', 'v1.2.3'), true);
    assert.equal(siteInWave(w, 'africa', 'v1.2.2'), false);
    assert.equal(siteInWave(w, 'brasil', 'v1.2.3'), false);
    assert.equal(siteInWave(undefined, 'africa', 'v1.2.3'), false);
  });

  it('walks the sites needing a person in sites.txt order', () => {
    const w = wave([
      { site: 'c', order: 2, outcome: 'hold' },
      { site: 'a', order: 0, outcome: 'deployed' },
      { site: 'b', order: 1, outcome: 'visual-differences' },
      { site: 'd', order: 3, outcome: 'failed' },
      { site: 'e', order: 4, outcome: 'rejected' },
    ]);
    assert.deepEqual(sitesNeedingPerson(w), ['b', 'c', 'd']);
  });

  it('Copy as Markdown: a table for the release channel, in sites.txt order, escaped', () => {
    const w = wave(
      [
        { site: 'netherlands', order: 1, tag: 'v1.123.200', pipelineNumber: 7, outcome: 'visual-differences' },
        { site: 'africa', order: 0, tag: 'v1.170.1', pipelineNumber: 12, outcome: 'deployed' },
        { site: 'x|y', order: 2, outcome: 'not-tagged' },
      ],
      { etaMs: 30_000 },
    );
    const md = waveMarkdown(w, { pipelineUrl: (site, n) => `https://ci/${site}/${n}` });
    assert.equal(
      md,
      [
        '### Platform release v26.17.0',
        '',
        '2 of 3 sites tagged · 1 remaining · 1 needs a person',
        '',
        '1 waiting: visual differences · 1 deployed · 1 not yet tagged',
        '',
        '| Site | New tag | Outcome |',
        '| --- | --- | --- |',
        '| africa | [v1.170.1](https://ci/africa/12) | deployed |',
        '| netherlands | [v1.123.200](https://ci/netherlands/7) | **waiting: visual differences** |',
        '| x\\|y | — | not yet tagged |',
        '',
      ].join('\n'),
    );
  });
});
