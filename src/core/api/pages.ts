import type { Logger } from '../util/logger';

export interface PagesOptions {
  /** Pages read at most (the first included). */
  maxPages: number;
  /** What is listed, for the log: "the pipelines of gh/greenpeace/planet4-africa". */
  what: string;
  log?: Logger;
}

/**
 * Pages through a list: `fetchPage(undefined)` is the first page, `nextCursor(page)` the cursor of the next one
 * (a CircleCI `next_page_token`, a GitHub `Link: rel="next"` URL), undefined on the last page. Stops after
 * `maxPages`, and when a cursor comes back that was already followed (a cycle), saying so in the log. A consumer
 * that has what it needs just stops iterating: no further page is read.
 */
export async function* pages<P>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
  nextCursor: (page: P) => string | undefined,
  options: PagesOptions,
): AsyncGenerator<P, void, undefined> {
  const followed = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0; n < options.maxPages; n++) {
    const page = await fetchPage(cursor);
    yield page;
    cursor = nextCursor(page) || undefined;
    if (cursor === undefined) return;
    if (followed.has(cursor)) {
      options.log?.warn(`Stopped listing ${options.what}: the service sent a page cursor it had already sent.`);
      return;
    }
    followed.add(cursor);
  }
  options.log?.info(`Stopped listing ${options.what} after ${options.maxPages} pages.`);
}

/** Every item of a bounded, cycle-free list (see `pages`). */
export async function collect<T, P>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
  nextCursor: (page: P) => string | undefined,
  itemsOf: (page: P) => readonly T[],
  options: PagesOptions,
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages(fetchPage, nextCursor, options)) items.push(...itemsOf(page));
  return items;
}

/** The `rel="next"` URL of a GitHub `Link` header. */
export function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}
