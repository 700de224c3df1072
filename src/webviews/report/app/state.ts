/**
 * What the webview knows: the panel's last `update` (header and view) and the reader's state (site, job, filter,
 * search, selection, detail, image mode), which survives a reload of the webview through vscode.getState/setState.
 * The three are exported as live bindings; only this module assigns them. Other modules change `state`'s fields
 * and then call saveState.
 */
import type { PanelState, ReportHeader, ReportView, ViewTest } from '../protocol';
import { vscode } from './vscodeApi';

/** The site and compare job, from the panel's last `update`. */
export let header: ReportHeader | undefined;
/** What the report is: loading, ready (with its tests), or why there is none. */
export let view: ReportView = { kind: 'loading', message: 'Loading the visual report…' };
/** The reader's state, restored from the last setState. */
export let state: PanelState = readState();

function readState(): PanelState {
  const s = vscode.getState();
  if (typeof s === 'object' && s !== null && typeof (s as PanelState).site === 'string') return s as PanelState;
  return { site: '' };
}

export function saveState(): void {
  vscode.setState(state);
}

/** The panel's `update`: the new header and view. The report of another job drops the old selection. */
export function applyUpdate(next: ReportHeader, nextView: ReportView): void {
  header = next;
  view = nextView;
  state.site = next.site;
  if (next.jobNumber !== state.jobNumber) {
    // another job: the selection of the old one means nothing
    if (state.jobNumber !== undefined) state = { site: next.site, filter: state.filter, mode: state.mode };
    state.jobNumber = next.jobNumber;
  }
  saveState();
}

/** Every test of the report (none until it is ready). */
export function allTests(): ViewTest[] {
  return view.kind === 'ready' ? view.tests : [];
}
