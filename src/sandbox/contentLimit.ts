/**
 * GitHub's secondary rate limit on content creation: more than `perMinute` content-creating requests (new commits,
 * tags and refs, moved refs) in a rolling minute are refused with 403, GitHub's documented message and a
 * `retry-after` header. Measured in real time, as the requests are sent (the extension's batch spacing is real time).
 */
import { ghError } from './githubJson';
import type { Reply } from './http';

/** The routes (method and path after the repository) GitHub counts as creating content, among the sandbox's. */
const CONTENT = [/^POST \/git\/commits$/, /^POST \/git\/tags$/, /^POST \/git\/refs$/, /^PATCH \/git\/refs\/.+$/];

export const SECONDARY_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

const WINDOW_MS = 60_000;

export class ContentLimit {
  private readonly sent: number[] = [];

  constructor(
    readonly perMinute = 80,
    private readonly now: () => number = Date.now,
  ) {}

  /** The 403 answer when `route` creates content over the limit; otherwise counts it and answers undefined. */
  check(route: string): Reply | undefined {
    if (!CONTENT.some((r) => r.test(route))) {
      return undefined;
    }
    const now = this.now();
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - WINDOW_MS) {
      this.sent.shift();
    }
    if (this.sent.length >= this.perMinute) {
      const retry = Math.max(1, Math.ceil(((this.sent[0] ?? now) + WINDOW_MS - now) / 1000));
      const reply = ghError(403, SECONDARY_LIMIT_MESSAGE);
      reply.headers = { 'retry-after': String(retry) };
      return reply;
    }
    this.sent.push(now);
    return undefined;
  }
}
