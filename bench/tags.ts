// 1b. Cold load at real scale, GitHub included: every site's stages (CircleCI) and then its next release (GitHub:
// release tags, compare with main) on a fresh Fleet, as the extension's first full refresh does it.
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox';
import { atMost, info, median, round, type Figure } from './figures';
import { CAP, CHAIN, ORG, harness } from './fleet';
import { countRequests, type RequestCounts } from './requests';

/** Release tags per site at real scale (REALITY.md: 450–590). */
export const TAGS_PER_SITE = 550;

/** The sandbox options that give every site `tags` release tags (noise tags come on top on half of the sites). */
export function tagOptions(tags: number): Partial<SandboxOptions> {
  return { tagsPerSite: tags };
}

const TAG_PAGE = /^\/repos\/[^/]+\/[^/]+\/tags$/;

interface Run {
  ms: number;
  counts: RequestCounts;
  /** GitHub requests of the site with the most (they follow one another: tag pages, then the compare). */
  githubChain: number;
  tagPages: number;
}

async function run(sb: Sandbox): Promise<Run> {
  const h = harness(sb, () => sb.clock.now());
  h.fleet.setSites(sb.sites);
  sb.clearRequests();
  const t0 = performance.now();
  await h.fleet.refresh();
  const ms = performance.now() - t0;
  const missing = h.fleet.all().filter((s) => s.state === 'loading' || s.state === 'error' || !s.next);
  if (missing.length > 0) throw new Error(`cold load with tags: unknown for ${missing.map((s) => s.site).join(', ')}`);
  const perSite = new Map<string, number>();
  for (const r of sb.requests) {
    if (r.service === 'github' && r.site !== undefined) perSite.set(r.site, (perSite.get(r.site) ?? 0) + 1);
  }
  const tagPages = sb.requests.filter((r) => r.service === 'github' && TAG_PAGE.test(r.path)).length;
  return {
    ms,
    counts: countRequests(sb.requests),
    githubChain: Math.max(1, ...perSite.values()),
    tagPages,
  };
}

/**
 * The round-trip limit of a full cold load: the CircleCI pass (chains of 3, CAP in flight), then the GitHub pass
 * (each site's requests one after the other, CAP in flight).
 */
export function fullLimitMs(circleci: number, github: number, githubChain: number, latencyMs: number): number {
  return (Math.max(CHAIN, Math.ceil(circleci / CAP)) + Math.max(githubChain, Math.ceil(github / CAP))) * latencyMs;
}

export async function coldLoadTags(latencyMs: number, runs: number, tags = TAGS_PER_SITE): Promise<Figure[]> {
  const sb = await startSandbox({
    scenario: 'mixed',
    latencyMs,
    pipelineNoise: 'none',
    clock: 'manual',
    ...tagOptions(tags),
  });
  try {
    await run(sb); // warm-up: JIT, TCP connections
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) results.push(await run(sb));
    const first = results[0];
    if (!first) throw new Error('no run');
    const ms = median(results.map((r) => r.ms));
    const c = first.counts;
    const n = sb.sites.length;
    const tagsRead = await countTags(sb);
    const limit = fullLimitMs(c.circleci, c.github, first.githubChain, latencyMs);
    const tag = `cold load with tags (${n} sites, ${tags} tags each)`;
    const scale = `${tagsRead.min}–${tagsRead.max} tags per site read (mean ${round(tagsRead.mean, 0)}: ${tags} release tags, noise tags on top on some sites)`;
    const where = `${latencyMs} ms/request, noise none, median of ${runs} after a warm-up; ${scale}`;
    return [
      info(`${tag}: wall time`, round(ms, 0), 'ms', `CircleCI stages then GitHub next releases; ${where}`),
      atMost(
        `${tag}: time / limit`,
        round(ms / limit, 2),
        '×',
        1.25,
        `limit = (max(${CHAIN}, ⌈${c.circleci}/${CAP}⌉) + max(${first.githubChain}, ⌈${c.github}/${CAP}⌉)) × ${latencyMs} ms = ${limit} ms: the CircleCI pass, then the GitHub pass (one site's GitHub requests follow one another)`,
        '≤ 1.25 ×',
      ),
      atMost(
        `${tag}: CircleCI requests per site`,
        round(c.circleci / n, 2),
        'req',
        3,
        `${c.circleci} requests: pipelines ${c.byKind.pipelines}, workflows ${c.byKind.workflows}, jobs ${c.byKind.jobs}`,
      ),
      atMost(
        `${tag}: GitHub requests per site`,
        round(c.github / n, 2),
        'req',
        2,
        `${c.github} requests, ${first.tagPages} of them pages of /tags (100 a page); at most ${first.githubChain} for one site`,
      ),
    ];
  } finally {
    await sb.close();
  }
}

/** How many tags each site's repository really has (GitHub's git/matching-refs, not logged as the fleet's). */
async function countTags(sb: Sandbox): Promise<{ min: number; max: number; mean: number }> {
  const counts = await Promise.all(
    sb.sites.map(async (site) => {
      const r = await fetch(`${sb.githubApiUrl}/repos/${ORG}/planet4-${site}/git/matching-refs/tags/`, {
        headers: { authorization: `token ${sb.tokens.github}` },
      });
      if (!r.ok) throw new Error(`matching-refs of ${site}: ${r.status}`);
      return ((await r.json()) as unknown[]).length;
    }),
  );
  sb.clearRequests();
  return {
    min: Math.min(...counts),
    max: Math.max(...counts),
    mean: counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length),
  };
}
