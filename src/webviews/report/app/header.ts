/**
 * The report's header: the site and its release tag, the compare job and its status, the passed and failed counts,
 * the images still loading, and the actions (open the job in CircleCI, refresh, approve hold-production, roll
 * staging back). The actions only post a message: the panel asks for confirmation and does the work.
 */
import { button, h, icon, spinner } from './dom';
import { duration, plural } from './format';
import { postToHost } from './messages';
import { header, state, view } from './state';

export function renderHeader(): HTMLElement {
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
          postToHost({ type: 'openJob' });
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
        postToHost({ type: 'refresh' });
      },
      { icon: 'refresh', secondary: true },
    ),
  );
  if (hd?.onHold.includes('hold-production')) {
    actions.append(
      button(
        'Approve hold-production',
        () => {
          postToHost({
            type: 'approve',
            job: 'hold-production',
            ...(hd.workflowId ? { workflowId: hd.workflowId } : {}),
          });
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
          postToHost({
            type: 'approve',
            job: 'rollback-staging',
            ...(hd.workflowId ? { workflowId: hd.workflowId } : {}),
          });
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

/** `N images loading · M unavailable`, updated in place by `images` messages. */
export function imagesStatus(): HTMLElement {
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
