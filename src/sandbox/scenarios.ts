import { DAY, HOUR, MINUTE, hashInt, hashRange } from './util';

export type ScenarioName =
  'green' | 'visual-diffs' | 'held' | 'failed-deploy' | 'rollback' | 'missing-project' | 'mixed' | 'running';

export const SCENARIOS: readonly ScenarioName[] = [
  'green',
  'visual-diffs',
  'held',
  'failed-deploy',
  'rollback',
  'missing-project',
  'mixed',
  'running',
];

export interface ScenarioRoles {
  visualDiffs: string[];
  held: string[];
  failedDeploy: string[];
  rollingBack: string[];
  missingProject: string[];
  running: string[];
  /** main HEAD carries [HOLD] */
  headHold: string[];
  /** compare succeeded, no [HOLD], yet hold-production stayed on hold: CI's automatic approval call failed */
  autoApprovalFailed: string[];
  /** a person rejected the latest release ("Roll staging back"): hold-production stays on hold for ever */
  rejected: string[];
  /** the latest release deployed, but the one tagged 5 hours before it still waits on hold in CircleCI */
  olderOnHold: string[];
}

type Role = keyof ScenarioRoles;

/** How many sites play each role, in the order sites are handed out. */
const ROLE_SIZES: [Role, number][] = [
  ['visualDiffs', 3],
  ['held', 1],
  ['failedDeploy', 1],
  ['rollingBack', 1],
  ['missingProject', 1],
  ['running', 5],
  ['headHold', 2],
  ['autoApprovalFailed', 1],
  ['rejected', 1],
  ['olderOnHold', 1],
];

const ROLES_OF: Record<ScenarioName, Role[]> = {
  green: [],
  'visual-diffs': ['visualDiffs'],
  held: ['held', 'autoApprovalFailed'],
  'failed-deploy': ['failedDeploy'],
  rollback: ['rollingBack'],
  'missing-project': ['missingProject'],
  running: ['running'],
  mixed: [
    'visualDiffs',
    'held',
    'failedDeploy',
    'rollingBack',
    'missingProject',
    'running',
    'headHold',
    'autoApprovalFailed',
    'rejected',
    'olderOnHold',
  ],
};

/** Sites in a deterministic pseudo-random order (the same for every scenario). */
export function siteOrder(sites: readonly string[]): string[] {
  return [...sites].sort((a, b) => hashInt(`order:${a}`) - hashInt(`order:${b}`) || a.localeCompare(b));
}

/** Each site has the same role in every scenario where that role is used. */
export function rolesFor(scenario: ScenarioName, sites: readonly string[]): ScenarioRoles {
  const order = siteOrder(sites);
  const roles: ScenarioRoles = {
    visualDiffs: [],
    held: [],
    failedDeploy: [],
    rollingBack: [],
    missingProject: [],
    running: [],
    headHold: [],
    autoApprovalFailed: [],
    rejected: [],
    olderOnHold: [],
  };
  const used = new Set(ROLES_OF[scenario]);
  let index = 0;
  for (const [role, size] of ROLE_SIZES) {
    const picked = order.slice(index, index + size);
    index += size;
    if (used.has(role)) {
      roles[role] = picked;
    }
  }
  return roles;
}

export interface SitePlan {
  site: string;
  /** position in siteOrder */
  index: number;
  /** release tag = prefix + number */
  prefix: string;
  latestNumber: number;
  /**
   * Release tags of the site (450–590 as on the real sites, or the world's `tagsPerSite`): the newest numbered
   * `prefix` + `latestNumber` down, the older ones under earlier prefixes (`releaseNames`).
   */
  releaseCount: number;
  /** age of the latest release pipeline at clock start (ms) */
  latestAge: number;
  /** release pipelines kept in CircleCI history */
  pipelined: number;
  /** commits on main after the latest release */
  ahead: number;
  /** `sync.*`, `sync.v*`, `lang.*`, `release.v1.30.92` tags: none of them a release */
  noiseTags: boolean;
  visualDiffs: boolean;
  held: boolean;
  failedDeploy: boolean;
  rollingBack: boolean;
  missingProject: boolean;
  running: boolean;
  headHold: boolean;
  autoApprovalFailed: boolean;
  rejected: boolean;
  olderOnHold: boolean;
}

export const RUNNING_AGES_MIN = [2, 6, 10, 12, 15];

/**
 * Release tags per site: real sites have 450–590 (REALITY.md "Tags"). A number gives every site that many; the
 * default `'real'` gives each a seeded count in 450–590; `'small'` the sandbox's former 12–135.
 */
export type TagsPerSite = number | 'real' | 'small';

export function planSite(
  site: string,
  index: number,
  roles: ScenarioRoles,
  tagsPerSite: TagsPerSite = 'real',
): SitePlan {
  const has = (list: string[]): boolean => list.includes(site);
  const schemeKind = hashInt(`scheme:${site}`) % 4;
  let prefix: string;
  switch (schemeKind) {
    case 0:
      prefix = `v1.${hashRange(`mid:${site}`, 3, 140)}.`;
      break;
    case 1:
      prefix = 'v1.';
      break;
    case 2:
      prefix = `v0.${hashRange(`mid:${site}`, 1, 9)}.`;
      break;
    default:
      prefix = `v${hashRange(`major:${site}`, 1, 2)}.${hashRange(`mid:${site}`, 10, 60)}.`;
  }
  let latestNumber = hashRange(`latest:${site}`, 150, 320);
  let releaseCount =
    index === 15 || index === 16 || hashInt(`many:${site}`) % 6 === 0
      ? hashRange(`count:${site}`, 105, 135)
      : hashRange(`count:${site}`, 12, 40);
  if (index === 14) {
    // string order differs from version order: v1.99 < v1.100
    prefix = 'v1.';
    latestNumber = 100 + (hashInt(`latest:${site}`) % 4);
    releaseCount = 30;
  }
  if (tagsPerSite === 'real') {
    releaseCount = hashRange(`realcount:${site}`, 450, 590);
  } else if (typeof tagsPerSite === 'number') {
    releaseCount = Math.max(1, Math.floor(tagsPerSite));
  }
  const running = has(roles.running);
  let latestAge: number;
  if (running) {
    latestAge = (RUNNING_AGES_MIN[roles.running.indexOf(site)] ?? 5) * MINUTE;
  } else if (hashInt(`deep:${site}`) % 3 === 0) {
    latestAge = hashRange(`age:${site}`, 21, 35) * DAY + hashRange(`ageh:${site}`, 1, 20) * HOUR;
  } else {
    latestAge = hashRange(`age:${site}`, 1, 10) * DAY + hashRange(`ageh:${site}`, 1, 20) * HOUR;
  }
  const headHold = has(roles.headHold);
  let ahead = running ? 0 : hashInt(`ahead:${site}`) % 5 < 2 ? 0 : hashRange(`aheadn:${site}`, 1, 4);
  if (headHold) {
    ahead = Math.max(ahead, 1);
  }
  return {
    site,
    index,
    prefix,
    latestNumber,
    releaseCount,
    latestAge,
    pipelined: Math.min(15, releaseCount),
    ahead,
    noiseTags: hashInt(`noise:${site}`) % 2 === 0,
    visualDiffs: has(roles.visualDiffs),
    held: has(roles.held),
    failedDeploy: has(roles.failedDeploy),
    rollingBack: has(roles.rollingBack),
    missingProject: has(roles.missingProject),
    running,
    headHold,
    autoApprovalFailed: has(roles.autoApprovalFailed),
    rejected: has(roles.rejected),
    olderOnHold: has(roles.olderOnHold),
  };
}

/**
 * The release tag names of a plan, oldest first: the newest `latestNumber + 1` at most under `prefix`
 * (`prefix` + `latestNumber` down), the older ones under earlier prefixes, as a site that moved from `v1.44.x` to
 * `v1.45.x` has them (`v1.45.` → `v1.44.`, `v1.43.`…; `v1.` → `v0.`), newest number first in each.
 */
export function releaseNames(plan: Pick<SitePlan, 'site' | 'prefix' | 'latestNumber' | 'releaseCount'>): string[] {
  const newest: string[] = [];
  const inNewest = Math.min(plan.releaseCount, plan.latestNumber + 1);
  for (let i = 0; i < inNewest; i++) newest.push(`${plan.prefix}${plan.latestNumber - i}`);
  const parts = plan.prefix.slice(1, -1).split('.').map(Number);
  const last = parts.length - 1;
  const earlier: string[] = [];
  for (let g = 1; g <= (parts[last] ?? 0); g++)
    earlier.push(`v${[...parts.slice(0, last), (parts[last] ?? 0) - g].join('.')}.`);
  let remaining = plan.releaseCount - inNewest;
  const gens = Math.min(earlier.length, Math.ceil(remaining / 150));
  const older: string[] = [];
  for (let g = 0; g < gens && remaining > 0; g++) {
    const size =
      g === gens - 1 ? remaining : Math.ceil(remaining / (gens - g)) + hashRange(`gen:${plan.site}:${g}`, 0, 20);
    const take = Math.min(size, remaining);
    for (let n = take - 1; n >= 0; n--) older.push(`${earlier[g] ?? 'v0.'}${n}`);
    remaining -= take;
  }
  return [...newest, ...older].reverse();
}
