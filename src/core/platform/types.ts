import type { ApiErrorKind } from '../api/errors';
import type { StageInfo } from '../fleet/types';

/**
 * The platform release (issue 13): planet4-base's `release` workflow on a base tag (`vYY.N.P`):
 * `hold-release` → `release-sites` (tags every site of sites.txt, 30 s apart) → `hold-changelog` → `changelog`;
 * and base's `develop` workflow (`lint` → `test` → `hold-dev-sites` → `release-sites` with `pipeline: main`).
 * planet4-base is not a site: it is never in the fleet's site list, never counted as one.
 */

/** The release workflow's jobs in order. */
export const PLATFORM_RELEASE_STAGES = ['hold-release', 'release-sites', 'hold-changelog', 'changelog'] as const;
/** The develop workflow's jobs in order. */
export const PLATFORM_DEVELOP_STAGES = ['lint', 'test', 'hold-dev-sites', 'release-sites'] as const;
/** Approval jobs of planet4-base a person may approve from the extension. */
export const PLATFORM_APPROVALS = ['hold-release', 'hold-changelog', 'hold-dev-sites'] as const;
export type PlatformApproval = (typeof PLATFORM_APPROVALS)[number];

/** The name commands use for planet4-base (`{site: "base"}`); it is not a site name. */
export const PLATFORM_SITE = 'base';
/** The bot's spacing between two sites in `release-sites` (trigger-build.sh, 30 s). */
export const WAVE_SPACING_MS = 30_000;

export interface PlatformStage extends StageInfo {
  /** Login of who approved an approval job, when known. */
  approvedByLogin?: string;
}

export interface PlatformWorkflow {
  id: string;
  name: 'release' | 'develop';
  status: string;
  createdAt: string;
  stoppedAt?: string;
  pipelineId: string;
  pipelineNumber: number;
  /** The base tag (`v26.17.0`) for `release`; undefined for `develop` (branch main). */
  tag?: string;
  /** The commit the pipeline ran for (added by the loader, issue 13: confirmations name it). */
  revision?: string;
  /** In PLATFORM_RELEASE_STAGES / PLATFORM_DEVELOP_STAGES order, others after. */
  stages: PlatformStage[];
}

export type PlatformState =
  | 'loading'
  | 'waiting' // an approval job (hold-release, hold-changelog) is on hold
  | 'running' // release-sites or changelog runs
  | 'finished' // changelog succeeded
  | 'failed'
  | 'canceled'
  | 'no-release' // no base release pipeline within the pages read
  | 'error';

export interface PlatformSnapshot {
  state: PlatformState;
  /** The latest platform release (base tag pipeline, `release` workflow). */
  release?: PlatformWorkflow;
  /** Base's latest `develop` workflow, only while `hold-dev-sites` waits on a person. */
  developWaiting?: PlatformWorkflow;
  /** The approval job the release waits for, when `state` is `waiting`. */
  waitingFor?: PlatformApproval;
  error?: { kind: ApiErrorKind | 'unknown'; message: string };
  updatedAt?: number;
}

/** What one site's release in the wave came to. */
export type WaveOutcome =
  | 'not-tagged' // release-sites has not reached it yet (or skipped it)
  | 'running'
  | 'deployed'
  | 'visual-differences' // waiting: hold-production after a failed visual comparison
  | 'hold' // waiting: the tagged commit carries [HOLD]
  | 'approval-failed' // waiting: hold-production waits though the comparison passed
  | 'waiting' // waiting on a person for another reason
  | 'rejected'
  | 'failed'
  | 'canceled'
  | 'unknown'; // the site could not be read

export interface WaveSite {
  site: string;
  /** 0-based position in sites.txt (the order release-sites tags in). */
  order: number;
  /** The tag this wave gave the site, once its release pipeline shows. */
  tag?: string;
  pipelineNumber?: number;
  workflowId?: string;
  taggedAt?: string;
  outcome: WaveOutcome;
}

export interface Wave {
  baseTag: string;
  /** When release-sites started (ISO). */
  startedAt: string;
  /** When release-sites stopped, once it has. */
  finishedAt?: string;
  total: number;
  tagged: number;
  remaining: number;
  /** Estimated ms until the last site is tagged (remaining × 30 s from the last tagging), while release-sites runs. */
  etaMs?: number;
  /** In sites.txt order. */
  sites: WaveSite[];
  counts: Record<WaveOutcome, number>;
  /** Sites whose outcome needs a person (visual-differences, hold, approval-failed, waiting, failed). */
  needPerson: number;
  /**
   * False while release-sites has stopped but sites it may have tagged were not looked at again yet (the fleet reads
   * them for up to `WAVE_CATCH_UP_MS` after this window saw it stop): the wave is not over until then.
   */
  settled?: boolean;
}

/** What the shell reads of the platform release (implemented by `store.ts`, fed by the platform loader). */
export interface PlatformSource {
  /** The latest platform snapshot (`loading` before the first read). */
  snapshot(): PlatformSnapshot;
  /** The wave of the latest platform release, once its `release-sites` job started; undefined otherwise. */
  wave(): Wave | undefined;
  onDidChange(listener: () => void): { dispose(): void };
}
