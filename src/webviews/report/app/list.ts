/**
 * The list of tests: the Failed / Passed / All filter, the search (label or viewport), and the entries grouped by
 * scenario (a listbox whose selection follows `state.selected`). `visible` is the filtered list in display order;
 * the detail and the keyboard move through it too.
 */
import type { Filter, ViewImage, ViewTest } from '../protocol';
import { h, icon, spinner } from './dom';
import { pct, sizeChange } from './format';
import { observePlaceholder, resetObserver, stopObserving } from './pendingImages';
import { allTests, saveState, state } from './state';

/** The visible (filtered) tests, in display order. Assigned by computeVisible only. */
export let visible: ViewTest[] = [];
/** The list on screen; undefined while the detail or no report is shown. */
let listbox: HTMLElement | undefined;

function matchesFilter(t: ViewTest, filter: Filter, search: string): boolean {
  if (filter === 'failed' && t.status !== 'fail') return false;
  if (filter === 'passed' && t.status !== 'pass') return false;
  if (!search) return true;
  const q = search.toLowerCase();
  return t.label.toLowerCase().includes(q) || t.viewportLabel.toLowerCase().includes(q);
}

/** Applies the filter and the search; a selection they hide moves to the first visible test. */
export function computeVisible(): void {
  const filter = state.filter ?? 'all';
  const search = (state.search ?? '').trim();
  visible = allTests().filter((t) => matchesFilter(t, filter, search));
  if (!visible.some((t) => t.key === state.selected)) state.selected = visible[0]?.key;
}

/** The filter, the search field and the list; a click on an entry selects it and calls `openDetail`. */
export function renderList(openDetail: () => void): HTMLElement {
  resetObserver();
  const tests = allTests();
  const filter = state.filter ?? 'all';
  computeVisible();

  const counts: Record<Filter, number> = {
    failed: tests.filter((t) => t.status === 'fail').length,
    passed: tests.filter((t) => t.status === 'pass').length,
    all: tests.length,
  };
  const group = h('vscode-radio-group', { 'aria-label': 'Show' });
  for (const f of ['failed', 'passed', 'all'] as Filter[]) {
    const r = h(
      'vscode-radio',
      { name: 'filter', value: f },
      `${f[0]?.toUpperCase() ?? ''}${f.slice(1)} (${counts[f]})`,
    );
    if (f === filter) r.setAttribute('checked', '');
    group.append(r);
  }
  group.addEventListener('change', (e) => {
    const value = (e.target as { value?: unknown } | null)?.value;
    if (value === 'failed' || value === 'passed' || value === 'all') {
      state.filter = value;
      saveState();
      refreshList();
    }
  });
  const search = h('vscode-textfield', {
    placeholder: 'Search label or viewport',
    'aria-label': 'Search tests by label or viewport',
    value: state.search ?? '',
  });
  search.append(h('vscode-icon', { slot: 'content-before', name: 'search', 'aria-hidden': 'true' }));
  search.addEventListener('input', () => {
    state.search = (search as unknown as { value: string }).value;
    saveState();
    refreshList(false);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      listbox?.focus();
    }
  });

  const toolbar = h('div', { class: 'p4-toolbar' }, group, search);
  const list = h('div', {
    class: 'p4-list',
    role: 'listbox',
    tabindex: '0',
    'aria-label': 'Visual tests, failures first, grouped by scenario',
  });
  listbox = list;
  fillList(list);
  list.addEventListener('click', (e) => {
    const option = (e.target as Element | null)?.closest<HTMLElement>('[role="option"]');
    const key = option?.dataset.key;
    if (key === undefined) return;
    select(key);
    openDetail();
  });
  return h('main', { class: 'p4-main' }, toolbar, list);
}

function refreshList(focusList = true): void {
  if (!listbox) return;
  computeVisible();
  fillList(listbox);
  if (focusList) listbox.focus({ preventScroll: true });
}

function fillList(list: HTMLElement): void {
  stopObserving();
  list.replaceChildren();
  if (visible.length === 0) {
    list.append(h('p', { class: 'p4-empty' }, allTests().length ? 'No test matches.' : 'The report has no tests.'));
    list.removeAttribute('aria-activedescendant');
    return;
  }
  let groupEl: HTMLElement | undefined;
  let groupLabel: string | undefined;
  visible.forEach((t, i) => {
    if (!groupEl || t.label !== groupLabel) {
      groupLabel = t.label;
      const inGroup = visible.filter((x) => x.label === t.label);
      const failed = inGroup.filter((x) => x.status === 'fail').length;
      groupEl = h(
        'div',
        { role: 'group', class: 'p4-group', 'aria-label': `${t.label || '(no label)'}: ${failed} failed` },
        h(
          'div',
          { class: 'p4-group-header', role: 'presentation' },
          h('span', { class: 'p4-group-label' }, t.label || '(no label)'),
          h(
            'span',
            { class: 'p4-group-count' },
            failed ? `${failed} failed of ${inGroup.length}` : `${inGroup.length} passed`,
          ),
        ),
      );
      list.append(groupEl);
    }
    groupEl.append(renderEntry(t, i));
  });
  markSelected();
}

function renderEntry(t: ViewTest, index: number): HTMLElement {
  const failed = t.status === 'fail';
  const details = h('div', { class: 'p4-entry-details' });
  details.append(h('span', { class: 'p4-viewport' }, icon('device-desktop'), ` ${t.viewportLabel}`));
  if (t.selector) details.append(h('span', { class: 'p4-selector' }, t.selector));
  if (t.misMatchPercentage !== undefined) {
    const over = t.threshold !== undefined && t.misMatchPercentage > t.threshold;
    details.append(
      h(
        'span',
        { class: over ? 'p4-mismatch p4-over' : 'p4-mismatch' },
        `mismatch ${pct(t.misMatchPercentage)} (threshold ${pct(t.threshold)})`,
      ),
    );
  }
  const size = sizeChange(t);
  if (size) details.append(h('span', { class: 'p4-size' }, size));
  const entry = h(
    'div',
    {
      role: 'option',
      id: `p4-t-${index}`,
      class: failed ? 'p4-entry p4-fail' : 'p4-entry p4-pass',
      'data-key': t.key,
      'aria-selected': 'false',
      'aria-label': `${failed ? 'Failed' : 'Passed'}: ${t.label}, ${t.viewportLabel}${
        t.misMatchPercentage !== undefined ? `, mismatch ${pct(t.misMatchPercentage)}` : ''
      }${t.error ? `, error: ${t.error}` : ''}`,
    },
    h('span', { class: 'p4-entry-icon' }, icon(failed ? 'error' : 'pass')),
    h(
      'div',
      { class: 'p4-entry-text' },
      h(
        'div',
        { class: 'p4-entry-title' },
        h('span', { class: 'p4-label' }, t.label),
        ' ',
        h('span', { class: 'p4-status' }, failed ? 'failed' : 'passed'),
      ),
      details,
      t.error ? h('div', { class: 'p4-error' }, icon('warning'), ` ${t.error}`) : undefined,
    ),
  );
  const thumb = thumbnailOf(t);
  if (thumb?.src) {
    entry.append(h('img', { class: 'p4-thumb', src: thumb.src, alt: '', loading: 'lazy', decoding: 'async' }));
  } else if (thumb?.pending && thumb.id !== undefined) {
    const placeholder = h(
      'span',
      { class: 'p4-thumb p4-thumb-pending', 'data-image-id': thumb.id, title: 'Downloading…' },
      spinner(),
    );
    entry.append(placeholder);
    observePlaceholder(placeholder);
  }
  return entry;
}

/** The list's thumbnail: the diff, else the test image (downloaded or on its way). */
export function thumbnailOf(t: ViewTest): ViewImage | undefined {
  const shown = (img: ViewImage | undefined): boolean => !!img && (img.src !== undefined || img.pending === true);
  if (shown(t.images.diff)) return t.images.diff;
  if (shown(t.images.test)) return t.images.test;
  return undefined;
}

function markSelected(): void {
  if (!listbox) return;
  for (const el of Array.from(listbox.querySelectorAll<HTMLElement>('[role="option"]'))) {
    const on = el.dataset.key === state.selected;
    el.setAttribute('aria-selected', String(on));
    el.classList.toggle('p4-selected', on);
    if (on) {
      listbox.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    }
  }
}

/** Selects a test (saved) and shows it selected in the list, when the list is on screen. */
export function select(key: string | undefined): void {
  state.selected = key;
  saveState();
  markSelected();
}

/** Moves the focus to the list, when it is on screen. */
export function focusList(options?: FocusOptions): void {
  listbox?.focus(options);
}

/** The list left the screen (the page is drawn again): select and focusList do nothing until renderList. */
export function forgetList(): void {
  listbox = undefined;
}
