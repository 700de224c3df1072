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
  releaseCount: number;
  /** age of the latest release pipeline at clock start (ms) */
  latestAge: number;
  /** release pipelines kept in CircleCI history */
  pipelined: number;
  /** commits on main after the latest release */
  ahead: number;
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

export function planSite(site: string, index: number, roles: ScenarioRoles): SitePlan {
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
