/**
 * Images still downloading. The panel sends the report before its images; until an image lands, the list and the
 * detail show a placeholder carrying its id (`data-image-id`). The placeholders near the viewport, and the images
 * of the detail, are asked for first (`want`); the `images` messages swap them in.
 */
import { MAX_WANTED, type LandedViewImage } from '../protocol';
import { h } from './dom';
import { imagesStatus } from './header';
import { postToHost } from './messages';
import { state, view } from './state';

let observer: IntersectionObserver | undefined;
let wanted: string[] = [];
let wantTimer: ReturnType<typeof setTimeout> | undefined;

/** Observes the list's placeholders: those within a screen of the viewport are wanted first. */
export function resetObserver(): void {
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

/** Stops watching every placeholder (they are about to leave the DOM). */
export function stopObserving(): void {
  observer?.disconnect();
}

/** Watches a list placeholder: near the viewport, its image is wanted. */
export function observePlaceholder(el: Element): void {
  observer?.observe(el);
}

/** Asks the panel to download these next (coalesced: one message per tick, most recent first). */
export function want(ids: string[]): void {
  if (ids.length === 0) return;
  wanted = [...ids, ...wanted.filter((id) => !ids.includes(id))].slice(0, MAX_WANTED);
  wantTimer ??= setTimeout(() => {
    wantTimer = undefined;
    const batch = wanted;
    wanted = [];
    if (batch.length) postToHost({ type: 'want', ids: batch });
  }, 30);
}

/**
 * Images landed: update the data, swap the placeholders, and the counts. In the detail, `redrawDetail` draws it
 * again when one of its images landed.
 */
export function onImages(
  images: LandedViewImage[],
  pendingImages: number,
  missingImages: number,
  redrawDetail: () => void,
): void {
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
    if (detailChanged) redrawDetail();
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
