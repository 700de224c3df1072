import * as assert from 'assert';
import type { SiteSnapshot } from '../../src/core/fleet/types';
import type { Wave, WaveSite } from '../../src/core/platform/types';
import { nextInWave, taggedSince, WAVE_LOOKAHEAD } from '../../src/core/platform/wave';
import { waveFinished } from '../../src/core/platform/waveView';

function wave(sites: Partial<WaveSite>[], finishedAt?: string): Wave {
  const rows = sites.map((s, i): WaveSite => ({ site: `s${i}`, order: i, outcome: 'not-tagged', ...s }));
  const w: Wave = {
    baseTag: 'v26.17.0',
    startedAt: '2026-11-20T09:00:00.000Z',
    total: rows.length,
    tagged: rows.filter((r) => r.tag).length,
    remaining: rows.filter((r) => !r.tag).length,
    sites: rows,
    counts: {} as Wave['counts'],
    needPerson: 0,
  };
  if (finishedAt) w.finishedAt = finishedAt;
  return w;
}

describe('platform: following the wave (the sites release-sites tags next are watched)', () => {
  it('watches the first sites before any is tagged, then the ones after the newest tagged', () => {
    assert.deepEqual(nextInWave(wave([{}, {}, {}, {}, {}])), ['s0', 's1', 's2'].slice(0, WAVE_LOOKAHEAD));
    const w = wave([
      { tag: 'v1.0.1', outcome: 'running' },
      {}, // passed over (no project): dropped once a later site is tagged
      { tag: 'v1.2.1', outcome: 'deployed' },
      {},
      {},
      {},
      {},
    ]);
    assert.deepEqual(nextInWave(w), ['s3', 's4', 's5'].slice(0, WAVE_LOOKAHEAD));
  });

  it('once release-sites stopped, looks once more at every site not seen tagged, until the wave is settled', () => {
    const stopped = wave(
      [{ tag: 'v1.0.1', outcome: 'deployed' }, {}, { tag: 'v1.2.1', outcome: 'running' }, {}],
      '2026-11-20T09:30:00.000Z',
    );
    assert.deepEqual(nextInWave(stopped), ['s1', 's3']);
    stopped.settled = false;
    assert.deepEqual(nextInWave(stopped), ['s1', 's3']);
    assert.equal(
      waveFinished(
        { state: 'waiting' },
        {
          ...stopped,
          sites: stopped.sites.map((x) => ({ ...x, outcome: x.outcome === 'running' ? 'deployed' : x.outcome })),
        },
      ),
      false,
      'not over while the catch-up runs',
    );
    stopped.settled = true;
    assert.deepEqual(nextInWave(stopped), []);
    assert.equal(
      waveFinished(
        { state: 'waiting' },
        {
          ...stopped,
          sites: stopped.sites.map((x) => ({ ...x, outcome: x.outcome === 'running' ? 'deployed' : x.outcome })),
        },
      ),
      true,
      'over once settled',
    );
    assert.deepEqual(nextInWave(undefined), []);
  });

  it('a site is tagged in the wave when its latest release pipeline is not older than the wave', () => {
    const site = (createdAt: string): SiteSnapshot => ({
      site: 'africa',
      slug: 'gh/greenpeace/planet4-africa',
      state: 'running',
      stages: [],
      pipeline: { id: 'p', number: 1, tag: 'v1.0.1', createdAt, revision: 'abc' },
    });
    assert.equal(taggedSince(site('2026-11-20T09:00:30.000Z'), '2026-11-20T09:00:00.000Z'), true);
    assert.equal(taggedSince(site('2026-11-20T08:59:59.000Z'), '2026-11-20T09:00:00.000Z'), false);
  });
});
