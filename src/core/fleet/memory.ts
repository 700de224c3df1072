import type { OlderCandidate } from './older';
import type { NextReleaseInfo, PipelineInfo, PipelineSearch, StageInfo, WorkflowInfo } from './types';

/** What is remembered about a site between refreshes (and persisted across reloads). */
export interface SiteMemory {
  pipeline?: PipelineInfo;
  /** The newest pipeline number already examined: older pipelines need no second look. */
  seenUpTo?: number;
  workflow?: WorkflowInfo;
  stages?: StageInfo[];
  /** The workflow had finished when its jobs were read: nothing of it changes any more. */
  finished?: boolean;
  /** The phase of the workflow's jobs when the workflow was last read (`live.ts`): the same phase, the same status. */
  jobsPhase?: string;
  /** No release pipeline found yet: the pipelines read so far (newest first), and whether that was all of them. */
  searched?: PipelineSearch;
  /** When the pipeline was first seen without workflows (this window's clock): the setup grace counts from then. */
  setupSince?: number;
  /** Release tags known from GitHub (and those of new release pipelines seen in CircleCI: `noteReleaseTag`). */
  tags?: string[];
  /** A release pipeline's tag could not be added to `tags`: the next GitHub read lists the tags again. */
  tagsStale?: boolean;
  next?: NextReleaseInfo;
  /** Older release pipelines that may still wait on hold in CircleCI (`older.ts`). */
  older?: OlderCandidate[];
  /** Older release pipelines whose workflow finished: never asked about again. */
  olderSettled?: string[];
}

/** Every site's memory, by site name: shared by the stage loader, the next-release loader and persistence. */
export type FleetMemory = Map<string, SiteMemory>;

/**
 * Forgets what is known of a site's pipeline (`pipeline`), of its next release (`github`) or both; `tags` keeps the
 * next release shown but has the next GitHub read list the tags again (the Refresh command).
 */
export function forget(memory: SiteMemory | undefined, what: 'pipeline' | 'github' | 'tags' | 'all'): void {
  if (!memory) return;
  if (what === 'tags') memory.tagsStale = true;
  if (what === 'pipeline' || what === 'all') memory.finished = false;
  if (what === 'github' || what === 'all') delete memory.next;
}
