/**
 * The visual report webview (browser, bundled to dist/webview/report.js). Builds every node with
 * createElement/textContent from the data the panel posts: no HTML string from data ever reaches the DOM.
 * Images still downloading show as placeholders (`data-image-id`); an IntersectionObserver asks the panel for those
 * near the viewport (`want`), and `images` messages swap them in.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  MAX_WANTED,
  type Filter,
  type HostMessage,
  type ImageMode,
  type LandedViewImage,
  type PanelState,
  type ReportHeader,
  type ReportView,
  type ViewImage,
  type ViewTest,
  type WebviewMessage,
} from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;

let header: ReportHeader | undefined;
let view: ReportView = { kind: 'loading', message: 'Loading the visual report…' };
let state: PanelState = readState();
/** The visible (filtered) tests, in display order. */
let visible: ViewTest[] = [];
let listbox: HTMLElement | undefined;

// ------------------------------------------------------------------ DOM helpers (text only)

type Child = Node | string | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string | undefined>,
  ...children: Child[]
): HTMLElementTagNameMap[K];
function h(tag: string, attrs?: Record<string, string | undefined>, ...children: Child[]): HTMLElement;
function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (/^on/i.test(name)) throw new Error(`refused event attribute ${name}`);
    el.setAttribute(name, value);
  }
  for (const c of children) {
    if (c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

function icon(name: string, label?: string): HTMLElement {
  const el = h('vscode-icon', { name, 'aria-hidden': label ? undefined : 'true', label });
  return el;
}

/** A spinning `loading` codicon. */
function spinner(): HTMLElement {
  const el = icon('loading');
  el.setAttribute('spin', '');
  return el;
}

function button(
  text: string,
  onClick: () => void,
  opts: { icon?: string; secondary?: boolean; label?: string; pressed?: boolean } = {},
): HTMLElement {
  const b = h(
    'vscode-button',
    {
      icon: opts.icon,
      'aria-label': opts.label,
      title: opts.label,
      'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
    },
    text,
  );
  if (opts.secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}

function readState(): PanelState {
  const s = vscode.getState();
  if (typeof s === 'object' && s !== null && typeof (s as PanelState).site === 'string') return s as PanelState;
  return { site: '' };
}

function saveState(): void {
  vscode.setState(state);
}

// ------------------------------------------------------------------ formatting

function pct(n: number | undefined): string {
  return n === undefined ? '–' : `${n.toFixed(2)} %`;
}

function duration(ms: number | undefined): string | undefined {
  if (ms === undefined || ms < 0) return undefined;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function sizeChange(t: ViewTest): string | undefined {
  if (t.sameDimensions !== false) return undefined;
  const d = t.dimensionDifference;
  if (!d) return 'size changed';
  const sign = (n: number): string => (n > 0 ? `+${n}` : String(n));
  return `size changed: width ${sign(d.width)} px, height ${sign(d.height)} px`;
}

function matchesFilter(t: ViewTest, filter: Filter, search: string): boolean {
  if (filter === 'failed' && t.status !== 'fail') return false;
  if (filter === 'passed' && t.status !== 'pass') return false;
  if (!search) return true;
  const q = search.toLowerCase();
  return t.label.toLowerCase().includes(q) || t.viewportLabel.toLowerCase().includes(q);
}

// ------------------------------------------------------------------ rendering

function render(): void {
  observer?.disconnect();
  app.replaceChildren(renderHeader(), renderBody());
  if (view.kind === 'ready' && !state.detail) listbox?.focus({ preventScroll: true });
}

function renderHeader(): HTMLElement {
  const hd = header;
  const site = hd?.site ?? state.site;
  const title = h('div', { class: 'p4-title' }, h('h1', {}, `Visual report: ${site}`));
  if (hd?.tag) title.append(h('span', { class: 'p4-tag', title: 'Release tag' }, icon('tag'), ` ${hd.tag}`));

  const meta = h('div', { class: 'p4-meta' });
  if (hd?.jobNumber !== undefined) {
    const dur = duration(hd.durationMs);
    meta.append(
      h(
        'span',
        { class: `p4-job p4-job-${hd.jobStatus ?? 'unknown'}` },
        `visualtests-compare #${hd.jobNumber}: ${hd.jobStatus ?? 'unknown'}${dur ? ` in ${dur}` : ''}`,
      ),
    );
  }
  if (view.kind === 'ready') {
    meta.append(
      h(
        'span',
        { class: 'p4-count p4-count-passed' },
        icon('pass'),
        ' ',
        h('vscode-badge', {}, String(view.passed)),
        ' passed',
      ),
      h(
        'span',
        { class: 'p4-count p4-count-failed' },
        icon('error'),
        ' ',
        h('vscode-badge', {}, String(view.failed)),
        ' failed',
      ),
    );
    meta.append(imagesStatus());
  }

  const actions = h('div', { class: 'p4-actions', role: 'toolbar', 'aria-label': 'Report actions' });
  if (hd?.jobUrl) {
    actions.append(
      button(
        'Open job in CircleCI',
        () => {
          vscode.postMessage({ type: 'openJob' });
        },
        {
          icon: 'link-external',
          secondary: true,
        },
      ),
    );
  }
  actions.append(
    button(
      'Refresh',
      () => {
        vscode.postMessage({ type: 'refresh' });
      },
      { icon: 'refresh', secondary: true },
    ),
  );
  if (hd?.onHold.includes('hold-production')) {
    actions.append(
      button(
        'Approve hold-production',
        () => {
          vscode.postMessage({ type: 'approve', job: 'hold-production' });
        },
        {
          icon: 'check',
          label: 'Approve hold-production: release to production',
        },
      ),
    );
  }
  if (hd?.onHold.includes('rollback-staging')) {
    actions.append(
      button(
        'Roll staging back',
        () => {
          vscode.postMessage({ type: 'approve', job: 'rollback-staging' });
        },
        {
          icon: 'discard',
          secondary: true,
          label: 'Approve rollback-staging: roll staging back',
        },
      ),
    );
  }
  return h('header', { class: 'p4-header' }, title, meta, actions);
}

/** `1 image` / `2 images`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `N images loading · M unavailable`, updated in place by `images` messages. */
function imagesStatus(): HTMLElement {
  const el = h('span', { id: 'p4-images-status', class: 'p4-images-status' });
  if (view.kind !== 'ready') return el;
  if (view.pendingImages > 0) {
    el.append(
      h(
        'span',
        { class: 'p4-count p4-loading', role: 'status' },
        spinner(),
        ` ${plural(view.pendingImages, 'image')} loading`,
      ),
    );
  }
  if (view.missingImages > 0) {
    el.append(
      h('span', { class: 'p4-count p4-warn' }, icon('warning'), ` ${plural(view.missingImages, 'image')} unavailable`),
    );
  }
  return el;
}

function renderBody(): HTMLElement {
  listbox = undefined;
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
    case 'no-job':
      return stateMessage('info', view.message, 'This panel updates when the release reaches visualtests-compare.');
    case 'error':
      return stateMessage('error', view.message, 'Use Refresh to try again.');
    case 'ready':
      return state.detail ? renderDetail() : renderList();
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

function allTests(): ViewTest[] {
  return view.kind === 'ready' ? view.tests : [];
}

function computeVisible(): void {
  const filter = state.filter ?? 'all';
  const search = (state.search ?? '').trim();
  visible = allTests().filter((t) => matchesFilter(t, filter, search));
  if (!visible.some((t) => t.key === state.selected)) state.selected = visible[0]?.key;
}

function renderList(): HTMLElement {
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
  observer?.disconnect();
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
    observer?.observe(placeholder);
  }
  return entry;
}

/** The list's thumbnail: the diff, else the test image (downloaded or on its way). */
function thumbnailOf(t: ViewTest): ViewImage | undefined {
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

function select(key: string | undefined): void {
  state.selected = key;
  saveState();
  markSelected();
}

function move(delta: number): void {
  if (visible.length === 0) return;
  const i = visible.findIndex((t) => t.key === state.selected);
  const next = Math.max(0, Math.min(visible.length - 1, (i < 0 ? 0 : i) + delta));
  select(visible[next]?.key);
  if (state.detail) render();
}

function openDetail(): void {
  if (!state.selected) return;
  state.detail = true;
  saveState();
  render();
  document.querySelector<HTMLElement>('.p4-detail')?.focus({ preventScroll: true });
}

function closeDetail(): void {
  state.detail = false;
  saveState();
  render();
}

function setMode(mode: ImageMode): void {
  state.mode = mode;
  saveState();
  render();
  document.querySelector<HTMLElement>('.p4-detail')?.focus({ preventScroll: true });
}

const MODES: { mode: ImageMode; text: string; key: string; icon: string }[] = [
  { mode: 'side-by-side', text: 'Side by side', key: '0', icon: 'split-horizontal' },
  { mode: 'reference', text: 'Reference', key: '1', icon: 'file-media' },
  { mode: 'test', text: 'Test', key: '2', icon: 'device-camera' },
  { mode: 'diff', text: 'Diff', key: '3', icon: 'diff' },
  { mode: 'slider', text: 'Slider', key: 's', icon: 'arrow-both' },
];

function renderDetail(): HTMLElement {
  computeVisible();
  const t = allTests().find((x) => x.key === state.selected);
  if (!t) {
    state.detail = false;
    return renderList();
  }
  const mode = state.mode ?? 'side-by-side';
  const index = visible.findIndex((x) => x.key === t.key);
  const nav = h(
    'div',
    { class: 'p4-detail-nav', role: 'toolbar', 'aria-label': 'Detail' },
    button('Back', closeDetail, { icon: 'arrow-left', secondary: true, label: 'Back to the list (Esc)' }),
    button(
      'Previous',
      () => {
        move(-1);
      },
      { icon: 'chevron-up', secondary: true, label: 'Previous test (k)' },
    ),
    button(
      'Next',
      () => {
        move(1);
      },
      { icon: 'chevron-down', secondary: true, label: 'Next test (j)' },
    ),
    h('span', { class: 'p4-position' }, index >= 0 ? `${index + 1} of ${visible.length}` : ''),
  );
  const modes = h('div', { class: 'p4-modes', role: 'toolbar', 'aria-label': 'Image view' });
  for (const m of MODES) {
    modes.append(
      button(
        m.text,
        () => {
          setMode(m.mode);
        },
        {
          icon: m.icon,
          secondary: m.mode !== mode,
          pressed: m.mode === mode,
          label: `${m.text} (${m.key})`,
        },
      ),
    );
  }
  const failed = t.status === 'fail';
  const facts = h('dl', { class: 'p4-facts' });
  const fact = (name: string, value: string | undefined): void => {
    if (value) facts.append(h('dt', {}, name), h('dd', {}, value));
  };
  fact('Status', failed ? 'failed' : 'passed');
  fact('Viewport', t.viewportLabel);
  fact('Selector', t.selector);
  fact('URL', t.url);
  fact(
    'Mismatch',
    t.misMatchPercentage === undefined
      ? 'not compared'
      : `${pct(t.misMatchPercentage)} (threshold ${pct(t.threshold)})`,
  );
  fact('Size', sizeChange(t) ?? (t.sameDimensions ? 'unchanged' : undefined));
  fact('Error', t.error);
  // the detail's images (then the neighbours' thumbnails) before anything else
  const neighbours = [visible[index + 1], visible[index - 1]].map((x) => (x ? thumbnailOf(x) : undefined));
  want([...Object.values(t.images), ...neighbours].flatMap((img) => (img?.pending && img.id ? [img.id] : [])));

  return h(
    'main',
    {
      class: 'p4-detail',
      tabindex: '-1',
      'aria-label': `${t.label}, ${t.viewportLabel}: ${failed ? 'failed' : 'passed'}`,
    },
    nav,
    h(
      'h2',
      { class: failed ? 'p4-fail' : 'p4-pass' },
      icon(failed ? 'error' : 'pass'),
      ` ${t.label} · ${t.viewportLabel}`,
    ),
    facts,
    modes,
    renderImages(t, mode),
  );
}

function figure(t: ViewTest, kind: 'reference' | 'test' | 'diff', title: string): HTMLElement {
  const img: ViewImage | undefined = t.images[kind];
  if (img?.pending && img.id !== undefined) {
    const placeholder = h(
      'div',
      {
        class: 'p4-noimage p4-pending',
        role: 'img',
        'aria-label': `${title} image downloading`,
        'data-image-id': img.id,
      },
      spinner(),
      h('span', {}, 'Downloading…'),
    );
    return h('figure', { class: `p4-figure p4-figure-${kind}` }, h('figcaption', {}, title), placeholder);
  }
  const body = img?.src
    ? h('img', {
        src: img.src,
        alt: `${title} screenshot of ${t.label}, ${t.viewportLabel}`,
        loading: 'lazy',
        decoding: 'async',
      })
    : h(
        'div',
        { class: 'p4-noimage', role: 'img', 'aria-label': `No ${title.toLowerCase()} image` },
        icon('circle-slash'),
        h(
          'span',
          {},
          img?.error ??
            (kind === 'diff'
              ? 'No diff: the images were not compared or are identical.'
              : `No ${title.toLowerCase()} image.`),
        ),
      );
  return h('figure', { class: `p4-figure p4-figure-${kind}` }, h('figcaption', {}, title), body);
}

function renderImages(t: ViewTest, mode: ImageMode): HTMLElement {
  if (mode === 'reference') return h('div', { class: 'p4-images p4-single' }, figure(t, 'reference', 'Reference'));
  if (mode === 'test') return h('div', { class: 'p4-images p4-single' }, figure(t, 'test', 'Test'));
  if (mode === 'diff') return h('div', { class: 'p4-images p4-single' }, figure(t, 'diff', 'Diff'));
  if (mode === 'slider') return renderSlider(t);
  return h(
    'div',
    { class: 'p4-images p4-side-by-side' },
    figure(t, 'reference', 'Reference'),
    figure(t, 'test', 'Test'),
    figure(t, 'diff', 'Diff'),
  );
}

function renderSlider(t: ViewTest): HTMLElement {
  const ref = t.images.reference?.src;
  const test = t.images.test?.src;
  if (t.images.reference?.pending || t.images.test?.pending) {
    return h(
      'div',
      { class: 'p4-images p4-side-by-side' },
      figure(t, 'reference', 'Reference'),
      figure(t, 'test', 'Test'),
    );
  }
  if (!ref || !test) {
    return h(
      'div',
      { class: 'p4-images p4-single' },
      h('p', { class: 'p4-noimage' }, icon('circle-slash'), ' The slider needs both the reference and the test image.'),
      figure(t, ref ? 'test' : 'reference', ref ? 'Test' : 'Reference'),
    );
  }
  const overlay = h(
    'div',
    { class: 'p4-slider-overlay' },
    h('img', { src: ref, alt: `Reference screenshot of ${t.label}, ${t.viewportLabel}` }),
  );
  const range = h('input', {
    type: 'range',
    min: '0',
    max: '100',
    value: '50',
    class: 'p4-range',
    'aria-label': 'Share of the reference shown over the test image (percent)',
  });
  const apply = (): void => {
    // CSSOM, not a style attribute: allowed by the CSP
    overlay.style.clipPath = `inset(0 ${100 - Number(range.value)}% 0 0)`;
  };
  range.addEventListener('input', apply);
  apply();
  return h(
    'div',
    { class: 'p4-images p4-slider' },
    h('div', { class: 'p4-slider-legend' }, h('span', {}, '◀ Reference'), h('span', {}, 'Test ▶')),
    h(
      'div',
      { class: 'p4-slider-stage' },
      h('img', { src: test, alt: `Test screenshot of ${t.label}, ${t.viewportLabel}` }),
      overlay,
    ),
    range,
  );
}

// ------------------------------------------------------------------ keyboard

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || view.kind !== 'ready') return;
  const target = e.target as Element | null;
  const inField = !!target?.closest('vscode-textfield, input, textarea');
  if (inField && e.key !== 'Escape') return;
  const key = e.key;
  if (!state.detail) {
    if (key === 'ArrowDown' || key === 'j') move(1);
    else if (key === 'ArrowUp' || key === 'k') move(-1);
    else if (key === 'Home') move(-visible.length);
    else if (key === 'End') move(visible.length);
    else if (key === 'Enter' && target?.closest('[role="listbox"]')) openDetail();
    else if (key === '/') document.querySelector<HTMLElement>('vscode-textfield')?.focus();
    else if (key === 'Escape' && inField) listbox?.focus();
    else return;
  } else {
    const m = MODES.find((x) => x.key === key);
    if (key === 'Escape') closeDetail();
    // s toggles the slider (back to side by side)
    else if (m) setMode(m.mode === 'slider' && state.mode === 'slider' ? 'side-by-side' : m.mode);
    else if (key === 'ArrowDown' || key === 'j') move(1);
    else if (key === 'ArrowUp' || key === 'k') move(-1);
    else return;
  }
  e.preventDefault();
});

// ------------------------------------------------------------------ images still downloading

let observer: IntersectionObserver | undefined;
let wanted: string[] = [];
let wantTimer: ReturnType<typeof setTimeout> | undefined;

/** Observes the list's placeholders: those within a screen of the viewport are wanted first. */
function resetObserver(): void {
  observer?.disconnect();
  observer = undefined;
  if (view.kind !== 'ready' || view.pendingImages === 0 || typeof IntersectionObserver === 'undefined') return;
  observer = new IntersectionObserver(
    (records) => {
      const ids: string[] = [];
      for (const r of records) {
        const id = (r.target as HTMLElement).dataset.imageId;
        if (r.isIntersecting && id !== undefined) ids.push(id);
      }
      want(ids);
    },
    // the document scrolls; a Document root keeps rootMargin in effect inside the webview's iframe
    { root: document, rootMargin: '100% 0px' },
  );
}

/** Asks the panel to download these next (coalesced: one message per tick, most recent first). */
function want(ids: string[]): void {
  if (ids.length === 0) return;
  wanted = [...ids, ...wanted.filter((id) => !ids.includes(id))].slice(0, MAX_WANTED);
  wantTimer ??= setTimeout(() => {
    wantTimer = undefined;
    const batch = wanted;
    wanted = [];
    if (batch.length) vscode.postMessage({ type: 'want', ids: batch });
  }, 30);
}

/** Images landed: update the data, swap the placeholders, and the counts. */
function onImages(images: LandedViewImage[], pendingImages: number, missingImages: number): void {
  if (view.kind !== 'ready') return;
  const byId = new Map(images.map((i) => [i.id, i]));
  let detailChanged = false;
  for (const t of view.tests) {
    for (const img of Object.values(t.images)) {
      const landed = img.pending && img.id !== undefined ? byId.get(img.id) : undefined;
      if (!landed) continue;
      delete img.pending;
      if (landed.src !== undefined) img.src = landed.src;
      else img.error = landed.error ?? 'The image is not available.';
      if (state.detail && t.key === state.selected) detailChanged = true;
    }
  }
  view.pendingImages = pendingImages;
  view.missingImages = missingImages;
  document.getElementById('p4-images-status')?.replaceWith(imagesStatus());
  if (state.detail) {
    if (detailChanged) {
      const focused = document.activeElement;
      const scroll = window.scrollY;
      render();
      window.scrollTo({ top: scroll });
      if (focused instanceof HTMLElement && !document.contains(focused)) {
        document.querySelector<HTMLElement>('.p4-detail')?.focus({ preventScroll: true });
      }
    }
    return;
  }
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('.p4-thumb-pending[data-image-id]'))) {
    const landed = el.dataset.imageId === undefined ? undefined : byId.get(el.dataset.imageId);
    if (!landed) continue;
    observer?.unobserve(el);
    if (landed.src !== undefined) {
      el.replaceWith(h('img', { class: 'p4-thumb', src: landed.src, alt: '', loading: 'lazy', decoding: 'async' }));
    } else {
      el.remove();
    }
  }
  if (pendingImages === 0) observer?.disconnect();
}

// ------------------------------------------------------------------ messages

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as HostMessage | undefined;
  if (m?.type === 'images') {
    onImages(m.images, m.pendingImages, m.missingImages);
    return;
  }
  if (m?.type !== 'update') return;
  header = m.header;
  view = m.view;
  state.site = m.header.site;
  if (m.header.jobNumber !== state.jobNumber) {
    // another job: the selection of the old one means nothing
    if (state.jobNumber !== undefined) state = { site: m.header.site, filter: state.filter, mode: state.mode };
    state.jobNumber = m.header.jobNumber;
  }
  saveState();
  render();
});

render();
vscode.postMessage({ type: 'ready' });
