/**
 * The page, drawn whole by render(): the header above the list, or above the detail of the selected test, or a
 * message while there is no report (loading, job running, report gone, no compare job, error). And the moves
 * between the list and the detail: open, close, previous / next test, image mode.
 */
import type { ImageMode } from '../protocol';
import { focusDetail, renderDetail, type DetailActions } from './detail';
import { h, icon } from './dom';
import { renderHeader } from './header';
import { stopObserving } from './pendingImages';
import { focusList, forgetList, renderList, select, visible } from './list';
import { saveState, state, view } from './state';

const app = document.getElementById('app') ?? document.body;

const detailActions: DetailActions = { back: closeDetail, move, setMode };

export function render(): void {
  stopObserving();
  app.replaceChildren(renderHeader(), renderBody());
  if (view.kind === 'ready' && !state.detail) focusList({ preventScroll: true });
}

function renderBody(): HTMLElement {
  forgetList();
  switch (view.kind) {
    case 'loading': {
      const progress =
        view.total !== undefined && view.done !== undefined ? ` (${view.done} of ${view.total} files)` : '';
      return h(
        'main',
        { class: 'p4-state', role: 'status' },
        h('vscode-progress-ring', { 'aria-hidden': 'true' }),
        h('p', {}, `${view.message}${progress}`),
      );
    }
    case 'running':
      return stateMessage('sync', view.message, 'The report opens here when the fleet sees the job finish.');
    case 'gone':
      return stateMessage('archive', view.message, 'The report of an older release cannot be shown any more.');
    case 'no-verdict':
      return stateMessage('warning', view.message, 'A rerun of the workflow makes a new comparison: it opens here.');
    case 'no-job':
      return stateMessage('info', view.message, 'This panel updates when the release reaches visualtests-compare.');
    case 'error':
      return stateMessage('error', view.message, 'Use Refresh to try again.');
    case 'ready': {
      // the detail, unless its test is not in the report (then the list)
      const detail = state.detail ? renderDetail(detailActions) : undefined;
      return detail ?? renderList(openDetail);
    }
  }
}

function stateMessage(iconName: string, message: string, hint: string): HTMLElement {
  return h(
    'main',
    { class: `p4-state p4-state-${view.kind}`, role: 'status' },
    icon(iconName),
    h('p', { class: 'p4-state-message' }, message),
    h('p', { class: 'p4-hint' }, hint),
  );
}

/** Selects the previous (-1) or next (+1) test of the list, stopping at its ends; the detail follows. */
export function move(delta: number): void {
  if (visible.length === 0) return;
  const i = visible.findIndex((t) => t.key === state.selected);
  const next = Math.max(0, Math.min(visible.length - 1, (i < 0 ? 0 : i) + delta));
  select(visible[next]?.key);
  if (state.detail) render();
}

export function openDetail(): void {
  if (!state.selected) return;
  state.detail = true;
  saveState();
  render();
  focusDetail();
}

export function closeDetail(): void {
  state.detail = false;
  saveState();
  render();
}

export function setMode(mode: ImageMode): void {
  state.mode = mode;
  saveState();
  render();
  focusDetail();
}

/** Draws the detail again (its images landed), where the reader had scrolled; the focus stays or goes to it. */
export function redrawDetail(): void {
  const focused = document.activeElement;
  const scroll = window.scrollY;
  render();
  window.scrollTo({ top: scroll });
  if (focused instanceof HTMLElement && !document.contains(focused)) {
    focusDetail();
  }
}
