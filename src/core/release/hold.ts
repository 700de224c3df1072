/**
 * `[HOLD]`: CI approves hold-production itself only when visualtests-compare found no error AND the full message
 * of the tagged commit does not contain the literal, case-sensitive `[HOLD]` (PIPELINE.md).
 */
export const HOLD_MARKER = '[HOLD]';

export function carriesHold(message: string | undefined | null): boolean {
  return typeof message === 'string' && message.includes(HOLD_MARKER);
}

/** Why hold-production is waiting for a person. */
export type HoldReason =
  | 'visual-differences' // visualtests-compare failed
  | 'held' // compare succeeded and the tagged commit carries [HOLD]
  | 'auto-approval-failed' // compare succeeded, no [HOLD]: the automatic approval call failed
  | 'comparing'; // visualtests-compare still queued or running

export const HOLD_REASON_TEXT: Record<HoldReason, string> = {
  'visual-differences': 'visual differences',
  held: 'held by [HOLD] in the tagged commit',
  'auto-approval-failed': 'automatic approval failed',
  comparing: 'still comparing',
};

export const HOLD_REASON_DETAIL: Record<HoldReason, string> = {
  'visual-differences':
    'visualtests-compare failed: BackstopJS found differences over the threshold (or a capture failed). Inspect the visual report, then approve or roll staging back.',
  held: 'The tagged commit carries [HOLD], so the production deploy waits for a person.',
  'auto-approval-failed':
    'visualtests-compare succeeded and the tagged commit has no [HOLD], yet hold-production was not approved: the automatic approval call failed. A person decides.',
  comparing: 'visualtests-compare has not finished: the approval will be decided when it does.',
};

/**
 * Explains an on-hold hold-production of a production workflow from the status of visualtests-compare and the
 * tagged commit's full message.
 */
export function explainHold(compareStatus: string | undefined, taggedCommitMessage: string | undefined): HoldReason {
  if (compareStatus === 'failed' || compareStatus === 'infrastructure_fail' || compareStatus === 'timedout') {
    return 'visual-differences';
  }
  if (compareStatus === 'success') {
    return carriesHold(taggedCommitMessage) ? 'held' : 'auto-approval-failed';
  }
  return 'comparing';
}
