/**
 * The wave report webview (browser, bundled to dist/webview/wave.js): a table of every site of the platform release
 * with its new tag and outcome, a "next waiting site" button and "Copy as Markdown". Every node is built with
 * createElement/textContent from the data the panel posts: no HTML string from data reaches the DOM; every action
 * is a message to the panel (the panel opens pages, reports and the clipboard).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { h } from '../../report/app/dom';
import type { WaveHostMessage, WaveRowView, WaveWebviewMessage } from '../protocol';

interface VsCodeApi {
  postMessage(message: WaveWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

function button(
  text: string,
  message: WaveWebviewMessage,
  opts: { icon?: string; secondary?: boolean; label?: string },
) {
  const b = h('vscode-button', { icon: opts.icon, 'aria-label': opts.label, title: opts.label }, text);
  if (opts.secondary) b.setAttribute('secondary', '');
  b.dataset.action = message.type;
  b.addEventListener('click', () => {
    vscode.postMessage(message);
  });
  return b;
}

const ICONS: Record<string, string> = {
  'not-tagged': 'circle-large-outline',
  running: 'sync',
  deployed: 'pass-filled',
  'visual-differences': 'diff',
  hold: 'lock',
  'approval-failed': 'debug-pause',
  waiting: 'debug-pause',
  rejected: 'discard',
  failed: 'error',
  canceled: 'circle-slash',
  unknown: 'warning',
};

const app = document.getElementById('app') ?? document.body;
let status: HTMLElement | undefined;

function row(r: WaveRowView, labels: Extract<WaveHostMessage, { type: 'update' }>['labels']): HTMLElement {
  const tr = h('tr', { 'data-site': r.site, 'data-outcome': r.outcome, class: r.needsPerson ? 'p4-need' : undefined });
  tr.append(
    h('td', {}, r.site),
    h('td', { class: 'p4-tag' }, r.tag ?? '—'),
    h(
      'td',
      { class: `p4-outcome p4-${r.outcome}` },
      h('vscode-icon', { name: ICONS[r.outcome] ?? 'circle-large-outline', 'aria-hidden': 'true' }),
      ' ',
      r.outcomeWords,
    ),
    h(
      'td',
      { class: 'p4-actions' },
      r.hasPipeline &&
        button(labels.pipeline, { type: 'openPipeline', site: r.site }, { icon: 'link-external', secondary: true }),
      r.hasPipeline && button(labels.report, { type: 'openReport', site: r.site }, { icon: 'diff', secondary: true }),
    ),
  );
  return tr;
}

function render(m: WaveHostMessage): void {
  if (m.type === 'copied') {
    if (status) status.textContent = m.message;
    return;
  }
  app.replaceChildren();
  if (m.type === 'empty') {
    app.append(h('p', { class: 'p4-status' }, m.message));
    return;
  }
  const { labels } = m;
  status = h('span', { class: 'p4-copied', role: 'status' });
  const next = button(labels.next, { type: 'next' }, { icon: 'arrow-right', label: m.nextSite });
  if (!m.nextSite) next.setAttribute('disabled', '');
  app.append(
    h(
      'header',
      { class: 'p4-header' },
      h('h1', {}, m.title),
      h('p', { class: 'p4-summary' }, m.summary),
      h('p', { class: 'p4-counts' }, m.counts),
      h('div', { class: 'p4-toolbar' }, next, button(labels.copy, { type: 'copyMarkdown' }, { icon: 'copy' }), status),
    ),
  );
  if (m.rows.length === 0) {
    app.append(h('p', { class: 'p4-status' }, labels.none));
    return;
  }
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, labels.site),
    h('th', { scope: 'col' }, labels.tag),
    h('th', { scope: 'col' }, labels.outcome),
    h('th', { scope: 'col' }),
  );
  const body = h('tbody', {});
  for (const r of m.rows) body.append(row(r, labels));
  app.append(h('table', { class: 'p4-wave' }, h('thead', {}, head), body));
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as WaveHostMessage | undefined;
  if (!m || typeof m !== 'object' || !('type' in m)) return;
  render(m);
});
vscode.postMessage({ type: 'ready' });
