import * as vscode from 'vscode';
import type { SiteState } from '../core/fleet/types';

/** Which sites the tree shows (the `planet4.filter` command). */
export type SiteFilter = 'all' | 'attention' | 'running' | 'failed';

/** The filters' names in the Filter Sites… pick list. */
export const FILTER_LABELS: Record<SiteFilter, () => string> = {
  all: () => vscode.l10n.t('All sites'),
  attention: () => vscode.l10n.t('Needs attention'),
  running: () => vscode.l10n.t('Running'),
  failed: () => vscode.l10n.t('Failed'),
};

/** Whether a site in `state` passes `filter`. */
export function matchesFilter(state: SiteState, filter: SiteFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'attention':
      return (
        state === 'waiting' ||
        state === 'failed' ||
        state === 'pipeline-error' ||
        state === 'error' ||
        state === 'no-project'
      );
    case 'running':
      return state === 'running' || state === 'setting-up';
    case 'failed':
      return state === 'failed' || state === 'pipeline-error';
  }
}
