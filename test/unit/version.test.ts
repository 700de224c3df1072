import * as assert from 'assert';
import {
  bumpVersion,
  compareVersions,
  isReleaseTag,
  latestReleaseTag,
  MAX_TAG_LENGTH,
  MAX_TAG_PART_DIGITS,
  nextReleaseTag,
  sortReleaseTags,
  validateNewTag,
} from '../../src/core/release/version';

describe('release versions', () => {
  it('recognises release tags and ignores noise tags', () => {
    for (const t of ['v1.123.199', 'v1.308', 'v0.1.288', 'v2', 'v1.40.292']) assert.ok(isReleaseTag(t), t);
    for (const t of [
      'sync.2024-01-02',
      'lang.fr',
      'release.1',
      'v1.2-rc',
      '1.2.3',
      'v',
      'v1.',
      'V1.2',
      'v1..2',
      ' v1.2',
    ]) {
      assert.ok(!isReleaseTag(t), t);
    }
  });

  it('compares all dot-separated parts numerically (v1.99 < v1.308)', () => {
    assert.ok(compareVersions('v1.99', 'v1.308') < 0);
    assert.ok(compareVersions('v1.100', 'v1.99') > 0);
    assert.ok(compareVersions('v1.123.199', 'v1.123.200') < 0);
    assert.ok(compareVersions('v2', 'v1.999.999') > 0);
    assert.strictEqual(compareVersions('v1.2.3', 'v1.2.3'), 0);
    assert.ok(compareVersions('v1.2', 'v1.2.0') < 0, 'longer sorts later, like git');
    assert.ok(compareVersions('v1.10000000000000000000001', 'v1.10000000000000000000000') > 0, 'no precision loss');
  });

  it('sorts newest first, without noise and duplicates', () => {
    assert.deepStrictEqual(
      sortReleaseTags(['v1.99', 'sync.1', 'v1.308', 'v1.100', 'lang.de', 'v1.99', 'release.5', 'v1.9']),
      ['v1.308', 'v1.100', 'v1.99', 'v1.9'],
    );
  });

  it('bumps the last part exactly as the bot does', () => {
    assert.strictEqual(bumpVersion('v1.123.199'), 'v1.123.200');
    assert.strictEqual(bumpVersion('v1.308'), 'v1.309');
    assert.strictEqual(bumpVersion('v0.1.288'), 'v0.1.289');
    assert.strictEqual(bumpVersion('v2'), 'v3');
    assert.strictEqual(bumpVersion('v1.9'), 'v1.10');
    assert.strictEqual(bumpVersion('v1.99999999999999999999'), 'v1.100000000000000000000');
  });

  it('refuses to bump invalid input', () => {
    for (const t of ['sync.1', '1.2', 'v1.2-rc', '', 'vx']) assert.throws(() => bumpVersion(t), /not a release tag/);
  });

  it('finds the latest and next release among noise tags (lightweight or annotated alike: names only)', () => {
    const tags = ['sync.2026-11-01', 'v1.99', 'lang.fr', 'v1.308', 'release.7', 'v1.100'];
    assert.strictEqual(latestReleaseTag(tags), 'v1.308');
    assert.strictEqual(nextReleaseTag(tags), 'v1.309');
    assert.strictEqual(nextReleaseTag(['sync.1', 'lang.x']), undefined);
    assert.strictEqual(latestReleaseTag([]), undefined);
  });

  it('validates a typed tag: format, existence, ordering', () => {
    const tags = ['v1.123.199', 'v1.123.198', 'sync.1'];
    assert.match(validateNewTag('', tags).error ?? '', /Type a release tag/);
    assert.match(validateNewTag('1.2.3', tags).error ?? '', /not a release tag/);
    assert.match(validateNewTag('v1.2 ', tags).error ?? 'none', /none/);
    assert.match(validateNewTag('v1.123.199', tags).error ?? '', /already exists/);
    assert.match(validateNewTag('v1.123.150', tags).warning ?? '', /not greater than the latest release v1\.123\.199/);
    assert.deepStrictEqual(validateNewTag('v1.123.200', tags), {});
  });

  it('bounds each number of a release tag (9 digits) and the whole tag (64 characters)', () => {
    assert.strictEqual(MAX_TAG_PART_DIGITS, 9);
    assert.strictEqual(MAX_TAG_LENGTH, 64);
    assert.ok(isReleaseTag(`v${'9'.repeat(9)}.${'1'.repeat(9)}`), '9 digits per number');
    assert.ok(!isReleaseTag(`v1.${'1'.repeat(10)}`), '10 digits');
    assert.ok(!isReleaseTag(`v${'1'.repeat(100_000)}`), 'v + 100 000 digits');
    const longest = `v${Array.from({ length: 32 }, () => '1').join('.')}`; // v1.1.….1
    assert.strictEqual(longest.length, 64);
    assert.ok(isReleaseTag(longest), longest);
    assert.ok(!isReleaseTag(`${longest}1`), '65 characters');
    assert.ok(!isReleaseTag(`${longest}.1`), '66 characters, each number small');
  });

  it('an oversized tag already in a repository is not a release: never the latest, never bumped', () => {
    const huge = `v${'9'.repeat(100_000)}`;
    const tags = ['v1.2.3', huge, `v1.${'9'.repeat(10)}`, 'v1.2.2'];
    assert.strictEqual(latestReleaseTag(tags), 'v1.2.3');
    assert.strictEqual(nextReleaseTag(tags), 'v1.2.4');
    assert.deepStrictEqual(sortReleaseTags(tags), ['v1.2.3', 'v1.2.2']);
    assert.deepStrictEqual(validateNewTag('v1.2.4', tags), {});
  });

  it('refuses to create an oversized tag with a short, clear message', () => {
    const huge = validateNewTag(`v${'1'.repeat(100_000)}`, ['v1.2.3']).error ?? '';
    assert.match(huge, /too long for a release tag: at most 64 characters/);
    assert.ok(huge.length < 200, `the message quotes the start of the tag only (${huge.length} characters)`);
    assert.match(
      validateNewTag('v1.1234567890', ['v1.2.3']).error ?? '',
      /^"v1\.1234567890" has a number that is too large for a release tag: at most 9 digits per number\.$/,
    );
    // the bump of the largest allowed number is refused too, not created
    const next = nextReleaseTag(['v1.999999999']);
    assert.strictEqual(next, 'v1.1000000000');
    assert.match(validateNewTag(next, ['v1.999999999']).error ?? '', /at most 9 digits/);
  });
});

describe('version: suffixed tags (v1.2.3-x), as CircleCI builds them and the bot sorts them', () => {
  it('are version tags, not release tags, sorted right above their number as git -v:refname does', async () => {
    const v = await import('../../src/core/release/version');
    assert.ok(v.isSuffixedTag('v1.2.3-x') && v.isSuffixedTag('v1.308-hotfix.2'));
    for (const t of ['v1.2.3', 'v1.2-', 'sync.v1.2-x', 'release.v1.30.92', `v1.2.3-${'x'.repeat(64)}`])
      assert.ok(!v.isSuffixedTag(t), t);
    assert.deepStrictEqual(v.sortVersionTags(['v1.2.3', 'v1.2.10', 'v1.2.3-x', 'sync.1', 'v1.2.4', 'v1.2.3-a']), [
      'v1.2.10',
      'v1.2.4',
      'v1.2.3-x',
      'v1.2.3-a',
      'v1.2.3',
    ]);
    assert.strictEqual(v.newestVersionTag(['v1.2.3', 'v1.2.3-x', 'v1.2.2']), 'v1.2.3-x');
    assert.strictEqual(v.nextReleaseTag(['v1.2.3', 'v1.2.3-x']), 'v1.2.4', 'numbered from the suffixed tag');
    assert.strictEqual(v.nextReleaseTag(['v1.2.2', 'v1.2.3-x']), 'v1.2.4', 'not v1.2.3, which sorts below v1.2.3-x');
    assert.strictEqual(v.latestReleaseTag(['v1.2.3', 'v1.2.3-x']), 'v1.2.3', 'still the latest plain release');
    assert.match(v.validateNewTag('v1.2.3', ['v1.2.2', 'v1.2.3-x']).warning ?? '', /latest tag v1\.2\.3-x.*v1\.2\.4/);
  });
});
