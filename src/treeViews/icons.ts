import * as vscode from 'vscode';
import type { SiteState } from '../core/fleet/types';

/** A site row's icon and colour, by state. */
export const STATE_ICONS: Record<SiteState, [string, string | undefined]> = {
  loading: ['loading~spin', undefined],
  deployed: ['pass-filled', 'testing.iconPassed'],
  waiting: ['debug-pause', 'charts.yellow'],
  rejected: ['discard', 'disabledForeground'],
  running: ['sync~spin', 'charts.blue'],
  failed: ['error', 'testing.iconFailed'],
  'rolled-back': ['history', 'charts.purple'],
  canceled: ['circle-slash', 'disabledForeground'],
  'no-project': ['question', 'problemsWarningIcon.foreground'],
  'no-release': ['tag', 'disabledForeground'],
  'no-workflows': ['circle-large-outline', 'disabledForeground'],
  'setting-up': ['loading~spin', 'charts.blue'],
  'pipeline-error': ['error', 'testing.iconFailed'],
  error: ['warning', 'problemsWarningIcon.foreground'],
};

/** A stage row's icon and colour, by job status. */
export const STAGE_ICONS: Record<string, [string, string | undefined]> = {
  success: ['pass', 'testing.iconPassed'],
  running: ['sync~spin', 'charts.blue'],
  queued: ['clock', undefined],
  not_running: ['clock', undefined],
  blocked: ['circle-large-outline', 'disabledForeground'],
  on_hold: ['debug-pause', 'charts.yellow'],
  failed: ['error', 'testing.iconFailed'],
  infrastructure_fail: ['error', 'testing.iconFailed'],
  timedout: ['error', 'testing.iconFailed'],
  canceled: ['circle-slash', 'disabledForeground'],
  not_run: ['circle-slash', 'disabledForeground'],
  retried: ['debug-restart', 'disabledForeground'],
  'terminated-unknown': ['error', 'testing.iconFailed'],
  unauthorized: ['lock', 'testing.iconFailed'],
};

/** A codicon, in a theme colour when one is given. */
export function icon([id, color]: [string, string | undefined]): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}
