// The platform release's wave with the platform node on (issue 13): planet4-base's release waits on hold-release in
// the sandbox; the bench approves it, and the sandbox's own release-sites tags every site 30 s apart on the simulated
// clock. The Fleet, the Poller, the PlatformReader and the wave-following watches (the sites release-sites tags
// next, as `services.ts` wires them) run as in the extension; `poller.tick()` once per fast cycle.
import { Poller, isLive } from '../src/core/fleet/poller';
import { PlatformReader } from '../src/core/platform/reader';
import { PlatformStore } from '../src/core/platform/store';
import { followWave } from '../src/core/platform/wave';
import { startSandbox } from '../src/sandbox';
import { atMost, info, round, type Figure } from './figures';
import { harness } from './fleet';
import { countRequests } from './requests';

const FAST_MS = 10_000;
const SLOW_MS = 300_000;
const ORG = 'greenpeace';

export async function platformWave(): Promise<Figure[]> {
  const sb = await startSandbox({
    scenario: 'visual-diffs',
    latencyMs: 0,
    clock: 'manual',
    platformRelease: 'waiting',
  });
  try {
    const now = (): number => sb.clock.now();
    const { fleet, circleci } = harness(sb, now);
    const store = new PlatformStore();
    const reader = new PlatformReader({ circleci: () => circleci, organization: () => ORG, fleet, store, now });
    fleet.setSites(sb.sites);
    await fleet.refresh();
    await reader.refresh({ full: true });
    const poller = new Poller({ fleet, fastMs: () => FAST_MS, slowMs: () => SLOW_MS, now, platform: reader });
    poller.markFullRefresh();
    followWave(store, poller); // as services.ts wires it
    const release = store.snapshot().release;
    const hold = release?.stages.find((s) => s.name === 'hold-release');
    if (!release || !hold?.approvalRequestId) throw new Error('the sandbox has no platform release waiting');
    await circleci.approveJob(release.id, hold.approvalRequestId);
    reader.invalidate();
    const n = sb.sites.length;
    const start = now();
    const end = (n - 1) * 30_000 + 25 * 60_000;
    let fastRequests = 0;
    let fastLiveSites = 0;
    let circleci1 = 0;
    let slowCycles = 0;
    let worstSeen = 0;
    for (let t = FAST_MS; t <= end; t += FAST_MS) {
      sb.clock.advance(start + t - now());
      const live = fleet.all().filter(isLive).length;
      sb.clearRequests();
      await poller.tick();
      const c = countRequests(sb.requests);
      circleci1 += c.circleci;
      if (c.github > 0) slowCycles++;
      else {
        fastRequests += c.circleci;
        fastLiveSites += live;
      }
      const w = store.wave();
      if (w) worstSeen = Math.max(worstSeen, w.tagged);
    }
    const w = store.wave();
    const minutes = (now() - start) / 60_000;
    const perLive = fastLiveSites === 0 ? 0 : fastRequests / fastLiveSites;
    const where = `${n} sites tagged by the sandbox's release-sites 30 s apart, ${round(minutes, 0)} simulated minutes`;
    return [
      atMost(
        'wave with the platform node: CircleCI requests per live site per fast cycle',
        round(perLive, 2),
        'req',
        1,
        `${fastRequests} requests (planet4-base and the watched next sites included) for ${fastLiveSites} live-site fast cycles; ${where}`,
      ),
      atMost(
        'wave with the platform node: CircleCI requests per minute',
        round(circleci1 / minutes, 0),
        'req/min',
        318,
        `${circleci1} CircleCI requests in ${round(minutes, 0)} min (${slowCycles} slow cycles included)`,
      ),
      info(
        'wave with the platform node: sites seen tagged',
        w?.tagged ?? 0,
        'sites',
        `of ${n}; ${w?.needPerson ?? 0} need a person; wave over: ${String(w?.settled ?? false)}`,
      ),
    ];
  } finally {
    await sb.close();
  }
}
