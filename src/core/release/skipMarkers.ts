/**
 * Skip markers: text in a commit message that makes CI run nothing for it (REALITY.md "`[skip ci]` commits").
 *
 * CircleCI skips a pipeline when the first 250 characters of the latest commit's message contain `[skip ci]` or
 * `[ci skip]` (for GitHub OAuth organisations, such as Greenpeace's, also API-triggered ones). GitHub's own markers
 * (`[no ci]`, `[skip actions]`, `[actions skip]`, a `skip-checks: true` trailer) are recognised too: a commit the
 * extension creates must never carry any of them, and a release must never silently depend on a commit that does.
 */

/** The bracketed markers, compared without regard to case. */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]'] as const;

/** GitHub's trailer form: a line `skip-checks: true`. */
const SKIP_CHECKS_TRAILER = /^[ \t]*skip-checks:[ \t]*true[ \t]*$/im;

const BRACKETED = new RegExp(
  SKIP_MARKERS.map((m) => m.replace(/[[\]]/g, '\\$&').replace(/ /g, '\\s*')).join('|'),
  'gi',
);

/** The first skip marker in a commit message as written there (e.g. `[skip ci]`), or undefined. */
export function skipMarkerIn(message: string | undefined | null): string | undefined {
  if (typeof message !== 'string' || message === '') return undefined;
  BRACKETED.lastIndex = 0;
  const bracketed = BRACKETED.exec(message);
  if (bracketed) return bracketed[0];
  const trailer = SKIP_CHECKS_TRAILER.exec(message);
  return trailer ? trailer[0].trim() : undefined;
}

/**
 * A line of text without any skip marker, for a commit message the extension writes (e.g. `[HOLD] <HEAD subject>`
 * when HEAD is `[skip ci] New CircleCI config` → `[HOLD] New CircleCI config`). Spaces left behind are collapsed.
 */
export function withoutSkipMarkers(text: string): string {
  return text
    .replace(BRACKETED, ' ')
    .replace(new RegExp(SKIP_CHECKS_TRAILER.source, 'gim'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
