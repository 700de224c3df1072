/**
 * Release tags and versions, as Planet 4's bot computes them: a release tag is `v` + dot-separated integers
 * (`v1.123.199`, `v1.308`, `v0.1.288`); versions compare numerically part by part (`v1.99` < `v1.308`, like
 * `git tag --sort=-v:refname`); the next release bumps the last part. Other tags (`sync.*`, `lang.*`,
 * `release.*`, `v1.2-rc`) are not releases — but a suffixed `v` tag (`v1.2.3-x`) is built and deployed by CircleCI
 * and sorted first by the bot: see `isSuffixedTag`, `compareAsGit`.
 */
export const RELEASE_TAG_PATTERN = /^v\d+(\.\d+)*$/;

/** The most digits a number of a release tag may have: real Planet 4 tags have 3 at most, a billion is plenty. */
export const MAX_TAG_PART_DIGITS = 9;
/** The longest release tag: far above any real one, far below what breaks an HTTP header or a message. */
export const MAX_TAG_LENGTH = 64;

/**
 * What is wrong with `tag` as a release tag, in words, or undefined when it is one. A tag with the right shape but
 * an oversized number (`v` + 100 000 digits) is not a release: it must never be created, nor become the latest.
 */
export function releaseTagProblem(tag: string): string | undefined {
  if (!RELEASE_TAG_PATTERN.test(tag))
    return `${quoted(tag)} is not a release tag: use v followed by dot-separated numbers, e.g. v1.2.3.`;
  if (tag.length > MAX_TAG_LENGTH)
    return `${quoted(tag)} is too long for a release tag: at most ${MAX_TAG_LENGTH} characters.`;
  const numbers = tag.slice(1).split('.');
  if (numbers.some((n) => n.length > MAX_TAG_PART_DIGITS))
    return `${quoted(tag)} has a number that is too large for a release tag: at most ${MAX_TAG_PART_DIGITS} digits per number.`;
  return undefined;
}

/** `"v1.2.3"`, or the start of a very long tag and its length. */
function quoted(tag: string): string {
  return tag.length > 24 ? `"${tag.slice(0, 20)}…" (${tag.length} characters)` : `"${tag}"`;
}

/** `v` + dot-separated numbers, each of at most 9 digits, 64 characters at most. */
export function isReleaseTag(tag: string | undefined | null): tag is string {
  return typeof tag === 'string' && releaseTagProblem(tag) === undefined;
}

/**
 * A suffixed tag: a release number and a suffix, `v1.2.3-x` (`v1.2.3-hotfix`, `v1.2.3-rc.1`). Not a release tag for
 * the extension's own tags, but CircleCI (its tag filter is the regex ^v.*) builds and deploys it like one, and the bot's
 * `git tag --sort=-v:refname` sorts it ABOVE `v1.2.3` (REALITY.md "Tags").
 */
export const SUFFIXED_TAG_PATTERN = /^(v\d+(?:\.\d+)*)-[0-9A-Za-z][0-9A-Za-z._-]*$/;

/** `v1.2.3-x` (bounded like a release tag), not `v1.2.3`. */
export function isSuffixedTag(tag: string | undefined | null): tag is string {
  if (typeof tag !== 'string' || tag.length > MAX_TAG_LENGTH) return false;
  const m = SUFFIXED_TAG_PATTERN.exec(tag);
  return m !== null && isReleaseTag(m[1]);
}

/** A tag CircleCI deploys as a release: a release tag or a suffixed one. */
export function isVersionTag(tag: string | undefined | null): tag is string {
  return isReleaseTag(tag) || isSuffixedTag(tag);
}

/** The release number of a version tag: `v1.2.3-x` → `v1.2.3`, `v1.2.3` → `v1.2.3`. */
export function releaseNumberOf(tag: string): string {
  return SUFFIXED_TAG_PATTERN.exec(tag)?.[1] ?? tag;
}

/**
 * Version tags as `git tag --sort=v:refname` orders them (no `versionsort.suffix` set, as on the bot): by release
 * number, and a suffixed tag right ABOVE its number (`v1.2.3` < `v1.2.3-x` < `v1.2.4`); suffixes by name.
 */
export function compareAsGit(a: string, b: string): number {
  const c = compareVersions(releaseNumberOf(a), releaseNumberOf(b));
  if (c !== 0) return c;
  const sa = a.length > releaseNumberOf(a).length;
  const sb = b.length > releaseNumberOf(b).length;
  if (sa !== sb) return sa ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The version tags (release and suffixed) among `tags`, newest first as git sorts them, without duplicates. */
export function sortVersionTags(tags: Iterable<string>): string[] {
  return [...new Set([...tags].filter(isVersionTag))].sort((a, b) => compareAsGit(b, a));
}

/** The highest version tag as the bot sees it (`git tag --sort=-v:refname | head -1`, `v` tags only). */
export function newestVersionTag(tags: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const t of tags) {
    if (isVersionTag(t) && (best === undefined || compareAsGit(t, best) > 0)) best = t;
  }
  return best;
}

/** Compares two integers written in decimal, of any size. */
function compareDecimal(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Negative when a < b, positive when a > b, 0 when equal. Both must be release tags. */
export function compareVersions(a: string, b: string): number {
  const pa = a.slice(1).split('.');
  const pb = b.slice(1).split('.');
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1; // v1.2 < v1.2.0: the longer one sorts later, as git does
    if (y === undefined) return 1;
    const c = compareDecimal(x, y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** The release tags among `tags`, newest first, without duplicates. */
export function sortReleaseTags(tags: Iterable<string>): string[] {
  return [...new Set([...tags].filter(isReleaseTag))].sort((a, b) => compareVersions(b, a));
}

export function latestReleaseTag(tags: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const t of tags) {
    if (isReleaseTag(t) && (best === undefined || compareVersions(t, best) > 0)) best = t;
  }
  return best;
}

/**
 * `v1.123.199` → `v1.123.200`; `v1.308` → `v1.309`; `v2` → `v3`. Plain arithmetic on the tag's shape: whether the
 * result is a valid new tag (not too large) is `validateNewTag`'s question.
 */
export function bumpVersion(tag: string): string {
  if (!RELEASE_TAG_PATTERN.test(tag))
    throw new Error(`"${tag}" is not a release tag (v followed by numbers, e.g. v1.2.3).`);
  const parts = tag.slice(1).split('.');
  const last = parts.pop() ?? '0';
  parts.push((BigInt(last) + 1n).toString());
  return `v${parts.join('.')}`;
}

/**
 * The tag the next release would get, or undefined when the site has no release tag yet: the highest release number
 * bumped. A suffixed tag above the latest release counts with its number (`v1.2.3-x` → `v1.2.4`): `v1.2.3` again,
 * or anything below `v1.2.3-x`, would not be the bot's highest tag.
 */
export function nextReleaseTag(tags: Iterable<string>): string | undefined {
  const newest = newestVersionTag(tags);
  return newest === undefined ? undefined : bumpVersion(releaseNumberOf(newest));
}

export interface TagValidation {
  /** Blocks the input. */
  error?: string;
  /** Allowed, but worth saying. */
  warning?: string;
}

/** Validates a tag typed by a person, against the site's existing tags. */
export function validateNewTag(input: string, existingTags: Iterable<string>): TagValidation {
  const tag = input.trim();
  if (tag === '') return { error: 'Type a release tag, e.g. v1.2.3.' };
  const problem = releaseTagProblem(tag);
  if (problem !== undefined) return { error: problem };
  const existing = [...existingTags];
  if (existing.includes(tag)) return { error: `${tag} already exists.` };
  const latest = newestVersionTag(existing);
  if (latest !== undefined && compareAsGit(tag, latest) <= 0) {
    return {
      warning: `${tag} is not greater than the latest ${isSuffixedTag(latest) ? 'tag' : 'release'} ${latest}: the bot would choose ${bumpVersion(releaseNumberOf(latest))}.`,
    };
  }
  return {};
}
