import * as assert from 'assert';
import {
  bumpVersion,
  compareVersions,
  isReleaseTag,
  latestReleaseTag,
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
});
