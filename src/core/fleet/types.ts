import type { ApiErrorKind } from '../api/errors';
import type { HoldReason } from '../release/hold';
import type { Rejection } from '../release/rejection';

/** What a site's production view is at, in the words the tree shows. */
export type SiteState =
  | 'loading'
  | 'deployed' // production workflow finished, deploy-production succeeded
  | 'waiting' // an approval job of the release is on hold
  | 'rejected' // a person rolled staging back: hold-production stays on hold in CircleCI, but nobody is waiting
  | 'running'
  | 'failed'
  | 'rolled-back' // a rollback workflow finished rolling production back
  | 'canceled'
  | 'no-project' // CircleCI project not found / not followed / no access
  | 'no-release' // no release pipeline within the bound
  | 'no-workflows' // the release pipeline has no workflows (tag filters)
  | 'setting-up' // the release pipeline has no workflows yet: CircleCI is still setting it up (within a grace period)
  | 'pipeline-error' // the release pipeline errored (e.g. a broken config): its errors[].message say why
  | 'error'; // an API error: message + retry

/** Every SiteState (checked against the type: a state added there must be added here). */
const SITE_STATE_NAMES = {
  loading: true,
  deployed: true,
  waiting: true,
  rejected: true,
  running: true,
  failed: true,
  'rolled-back': true,
  canceled: true,
  'no-project': true,
  'no-release': true,
  'no-workflows': true,
  'setting-up': true,
  'pipeline-error': true,
  error: true,
} satisfies Record<SiteState, true>;

export function isSiteState(value: unknown): value is SiteState {
  return typeof value === 'string' && Object.hasOwn(SITE_STATE_NAMES, value);
}

export type WorkflowKind = 'production' | 'rollback';

export interface StageInfo {
  /** The CircleCI job name, as-is. */
  name: string;
  /** The job id (uuid); for approval jobs also the approval_request_id. */
  id: string;
  type: 'build' | 'approval';
  status: string;
  jobNumber?: number;
  approvalRequestId?: string;
  /** For an approved approval job: the CircleCI user id of who approved it. */
  approvedBy?: string;
  startedAt?: string;
  stoppedAt?: string;
  dependencies: string[];
}

export interface PipelineInfo {
  id: string;
  number: number;
  tag: string;
  createdAt: string;
  revision: string;
  commitSubject?: string;
  commitBody?: string;
  triggeredBy?: string;
  /** CircleCI's pipeline state (`created`, `errored`, `setup-pending`, `setup`, `pending`) when it was read. */
  state?: string;
  /** An errored pipeline's `errors[].message`. */
  errors?: string[];
}

export interface WorkflowInfo {
  id: string;
  name: string;
  kind: WorkflowKind;
  status: string;
  createdAt: string;
  stoppedAt?: string;
}

/**
 * An older release or rollback pipeline whose workflow still waits on hold in CircleCI: invisible in the latest
 * release, but approvable there, where approving it would deploy (or roll back to) an older tag over a newer one.
 */
export interface OlderRelease {
  pipelineId: string;
  pipelineNumber: number;
  tag: string;
  createdAt: string;
  workflowId: string;
  kind: WorkflowKind;
}

/** What the next release of a site would ship (from GitHub). */
export interface NextReleaseInfo {
  /** The newest `v` tag as the bot sorts them: a release tag, or a suffixed one (see `latestSuffixed`). */
  latestTag?: string;
  /**
   * `latestTag` is suffixed (`v1.2.3-x`): CircleCI built and deployed it like a release, the bot sorts it above
   * `v1.2.3` and tags from it. `latestRelease` is then the newest plain release tag, when there is one.
   */
  latestSuffixed?: true;
  latestRelease?: string;
  /** Commits on main since latestTag. */
  ahead: number;
  headSha: string;
  headSubject: string;
  headHold: boolean;
  /**
   * HEAD's tree is the latest tag's tree: the commits since (the bot's empty `:robot: Trigger build #N`) change
   * nothing, so a new tag would deploy the same code again.
   */
  unchanged?: boolean;
  /**
   * A `[HOLD]` commit since the latest tag that is no longer HEAD: commits pushed on top of it (e.g. the bot's trigger
   * commit) buried it, and the next tag, made on HEAD, will not wait.
   */
  buriedHold?: { sha: string; subject: string; buriedBy: string };
  nextTag?: string;
  updatedAt: number;
}

/** How far a project's pipeline list was read without finding a release pipeline (state `no-release`). */
export interface PipelineSearch {
  /** The newest pipelines read, none a release. */
  pipelines: number;
  /** The list ended: the project never built a release tag (else an older release may lie beyond the bound). */
  all: boolean;
}

export interface SiteSnapshot {
  site: string;
  slug: string;
  state: SiteState;
  pipeline?: PipelineInfo;
  workflow?: WorkflowInfo;
  /** In dependency order. */
  stages: StageInfo[];
  /** Why hold-production is waiting, when it is. */
  hold?: HoldReason;
  /** A person stopped this release with "Roll staging back" (see `release/rejection.ts`). */
  rejection?: Rejection;
  /** Who approved rollback-staging (a CircleCI login), when known. */
  rejectedBy?: string;
  /** `no-release`: how far the pipeline list was read. */
  searched?: PipelineSearch;
  /** Older release (or rollback) workflows of the site still on hold in CircleCI, newest first. */
  olderOnHold?: OlderRelease[];
  next?: NextReleaseInfo;
  error?: { kind: ApiErrorKind | 'unknown'; message: string; service?: string };
  /** ms since epoch of the last successful load of this site. */
  updatedAt?: number;
  /** True while the snapshot comes from the last session and was not refreshed yet. */
  stale?: boolean;
}
