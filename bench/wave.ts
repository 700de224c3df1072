// The release wave (issue 12.9): the base release tags every site 30 s apart, as the bot does, each release runs
// ~20 min, some end waiting for a person (visual differences) or failing. A simulated clock: the sandbox's manual
// SimClock drives the Fleet and Poller (`now`), `poller.tick()` once per fast cycle.
import { Poller, isLive } from '../src/core/fleet/poller';
import type { SiteSnapshot } from '../src/core/fleet/types';
import { startSandbox } from '../src/sandbox';
import { atMost, info, round, type Figure } from './figures';
import { harness } from './fleet';
import { countRequests } from './requests';

const FAST_MS = 10_000;
const SLOW_MS = 300_000;
/** The bot's spacing between sites (REALITY.md). */
const SPACING_MS = 30_000;
/** After the last tag: long enough for every release to finish (production ~16 min in the sandbox). */
const TAIL_MS = 25 * 60_000;
/** The bot's first tag, between two polling cycles: jobs then end between cycles, as they do for real. */
const OFFSET_MS = 3_000;

/** Jobs of the wave's releases made to fail, by the site's position in the wave (the others: the scenario's). */
function failingFor(index: number): string[] {
  if (index % 10 === 4) return ['deploy-production'];
  if (index % 17 === 8) return ['build'];
  return [];
}

/** A state that needs a person: what the attention notifications announce. */
function needsPerson(s: SiteSnapshot): boolean {
  return s.state === 'waiting' || s.state === 'failed';
}

/** When what the site shows happened in CircleCI: the last job of its workflow to stop. */
function happenedAt(s: SiteSnapshot): number | undefined {
  const stops = s.stages.flatMap((st) => (st.stoppedAt ? [Date.parse(st.stoppedAt)] : []));
  return stops.length > 0 ? Math.max(...stops) : undefined;
}

export async function wave(): Promise<Figure[]> {
  const sb = await startSandbox({
    scenario: 'visual-diffs',
    latencyMs: 0,
    pipelineNoise: 'realistic',
    clock: 'manual',
  });
  try {
    const now = (): number => sb.clock.now();
    const { fleet } = harness(sb, now);
    fleet.setSites(sb.sites);
    await fleet.refresh();
    const poller = new Poller({ fleet, fastMs: () => FAST_MS, slowMs: () => SLOW_MS, now });
    poller.markFullRefresh();
    const n = sb.sites.length;
    const start = now();
    const tags = new Map<string, string>();
    let fastRequests = 0;
    let fastLiveSites = 0;
    let circleci = 0;
    let github = 0;
    let slowCycles = 0;
    let peakLive = 0;
    let worstDelay = 0;
    let worstWhat = '';
    let shown = 0;
    const seen = new Set<string>();
    const advanceTo = (t: number): void => {
      if (start + t > now()) sb.clock.advance(start + t - now());
    };
    for (let t = FAST_MS; t <= (n - 1) * SPACING_MS + TAIL_MS; t += FAST_MS) {
      // the bot tags the sites due by now, 30 s apart, between two polling cycles (jobs end between cycles too)
      for (let i = tags.size; i < n && OFFSET_MS + i * SPACING_MS <= t; i++) {
        const site = sb.sites[i] ?? '';
        advanceTo(OFFSET_MS + i * SPACING_MS);
        tags.set(site, sb.botReleaseTag(site, failingFor(i)));
      }
      advanceTo(t);
      const live = fleet.all().filter(isLive).length;
      sb.clearRequests();
      await poller.tick();
      const c = countRequests(sb.requests);
      circleci += c.circleci;
      peakLive = Math.max(peakLive, live);
      if (c.github > 0) {
        github += c.github;
        slowCycles++;
      } else {
        fastRequests += c.circleci;
        fastLiveSites += live;
      }
      for (const s of fleet.all()) {
        const tag = tags.get(s.site);
        if (!tag || s.pipeline?.tag !== tag || !needsPerson(s) || seen.has(s.site)) continue;
        seen.add(s.site);
        shown++;
        const at = happenedAt(s);
        const delay = at === undefined ? 0 : now() - at;
        if (delay > worstDelay) {
          worstDelay = delay;
          worstWhat = `${s.site} ${s.state}${s.hold ? ` (${s.hold})` : ''}`;
        }
      }
    }
    const minutes = (now() - start) / 60_000;
    const perLiveCycle = fastLiveSites === 0 ? 0 : fastRequests / fastLiveSites;
    // 53 live sites: each costs what a live site cost per fast cycle, 6 fast cycles a minute; the slow cycles (every
    // site, live or not) add what they cost per minute of the wave
    const slowPerMinute = (circleci - fastRequests) / minutes;
    const perMinute53 = perLiveCycle * (60_000 / FAST_MS) * 53 + slowPerMinute;
    const where = `${n} sites tagged ${SPACING_MS / 1000} s apart, ${round(minutes, 0)} simulated minutes, at most ${peakLive} live at once`;
    return [
      atMost(
        'wave: CircleCI requests per live site per fast cycle',
        round(perLiveCycle, 2),
        'req',
        1,
        `${fastRequests} requests for ${fastLiveSites} live-site fast cycles; ${where}`,
      ),
      atMost(
        'wave: CircleCI requests per minute at 53 live sites',
        round(perMinute53, 0),
        'req/min',
        318,
        `${round(perLiveCycle, 2)} req × ${60_000 / FAST_MS} fast cycles × 53 sites + ${round(slowPerMinute, 0)} req/min of slow cycles (${circleci - fastRequests} CircleCI requests in ${slowCycles}); ${circleci} in the whole wave`,
      ),
      atMost(
        'wave: GitHub requests per site per slow cycle',
        round(slowCycles === 0 ? 0 : github / (slowCycles * n), 2),
        'req',
        1,
        `${github} GitHub requests in ${slowCycles} slow cycles`,
      ),
      atMost(
        'wave: worst delay until waiting / failed shows',
        round(worstDelay / 1000, 1),
        's',
        FAST_MS / 1000,
        `${shown} releases ended needing a person; worst: ${worstWhat || 'none'}; fast cycle ${FAST_MS / 1000} s`,
        `≤ ${FAST_MS / 1000} s (1 fast cycle)`,
      ),
      info(
        'wave: releases needing a person',
        shown,
        'sites',
        'waiting (visual differences) or failed (build, deploy-production)',
      ),
    ];
  } finally {
    await sb.close();
  }
}
