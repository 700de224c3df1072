/**
 * The detail of one test: Back / Previous / Next, its facts (status, viewport, selector, URL, mismatch, size,
 * error), and its images as reference | test | diff, side by side, or the slider (the reference over the test
 * image). Opening it asks for its images, then its neighbours' thumbnails, before any other.
 */
import type { ImageMode, ViewImage, ViewTest } from '../protocol';
import { button, h, icon, spinner } from './dom';
import { pct, sizeChange } from './format';
import { want } from './pendingImages';
import { computeVisible, thumbnailOf, visible } from './list';
import { allTests, state } from './state';

/** The image modes, their buttons and their keys. */
export const MODES: { mode: ImageMode; text: string; key: string; icon: string }[] = [
  { mode: 'side-by-side', text: 'Side by side', key: '0', icon: 'split-horizontal' },
  { mode: 'reference', text: 'Reference', key: '1', icon: 'file-media' },
  { mode: 'test', text: 'Test', key: '2', icon: 'device-camera' },
  { mode: 'diff', text: 'Diff', key: '3', icon: 'diff' },
  { mode: 'slider', text: 'Slider', key: 's', icon: 'arrow-both' },
];

/** What the detail's buttons do. */
export interface DetailActions {
  /** Back to the list. */
  back: () => void;
  /** To the previous (-1) or next (+1) test of the list. */
  move: (delta: number) => void;
  setMode: (mode: ImageMode) => void;
}

/**
 * The detail of the selected test. Undefined when the selection is not in the report: the detail is then closed
 * (`state.detail` false, not saved) and the caller shows the list.
 */
export function renderDetail(actions: DetailActions): HTMLElement | undefined {
  computeVisible();
  const t = allTests().find((x) => x.key === state.selected);
  if (!t) {
    state.detail = false;
    return undefined;
  }
  const mode = state.mode ?? 'side-by-side';
  const index = visible.findIndex((x) => x.key === t.key);
  const nav = h(
    'div',
    { class: 'p4-detail-nav', role: 'toolbar', 'aria-label': 'Detail' },
    button('Back', actions.back, { icon: 'arrow-left', secondary: true, label: 'Back to the list (Esc)' }),
    button(
      'Previous',
      () => {
        actions.move(-1);
      },
      { icon: 'chevron-up', secondary: true, label: 'Previous test (k)' },
    ),
    button(
      'Next',
      () => {
        actions.move(1);
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
          actions.setMode(m.mode);
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

/** Moves the focus to the detail, when it is on screen (its keys then work at once). */
export function focusDetail(): void {
  document.querySelector<HTMLElement>('.p4-detail')?.focus({ preventScroll: true });
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
