import * as assert from 'assert';
import { releaseRejection, REJECTION_TEXT } from '../../src/core/release/rejection';
import { SKIP_MARKERS, skipMarkerIn, withoutSkipMarkers } from '../../src/core/release/skipMarkers';
import { production } from './support';

describe('Releases a person stopped', () => {
  it('is rejected once rollback-staging was approved and finish-staging rolled staging back', () => {
    assert.strictEqual(
      releaseRejection(production({ 'rollback-staging': 'success', 'finish-staging': 'success' })),
      'rejected',
    );
    assert.strictEqual(
      releaseRejection(production({ 'rollback-staging': 'success', 'finish-staging': 'failed' })),
      'rejected',
    );
    assert.match(REJECTION_TEXT.rejected, /not waiting/);
  });

  it('is being rejected while finish-staging runs', () => {
    assert.strictEqual(
      releaseRejection(production({ 'rollback-staging': 'success', 'finish-staging': 'running' })),
      'rejecting',
    );
  });

  it('may still deploy when staging rollback was approved while the comparison runs', () => {
    const stages = production({
      'visualtests-compare': 'running',
      'rollback-staging': 'success',
      'finish-staging': 'success',
    });
    assert.strictEqual(releaseRejection(stages), 'may-still-deploy');
  });

  it('is not a rejection while nobody approved rollback-staging, or once hold-production is no longer waiting', () => {
    assert.strictEqual(releaseRejection(production({})), undefined);
    assert.strictEqual(
      releaseRejection(
        production({ 'rollback-staging': 'success', 'hold-production': 'success', 'deploy-production': 'success' }),
      ),
      undefined,
      'deploy-production approves rollback-staging itself after a deploy: that is not a rejection',
    );
    assert.strictEqual(releaseRejection([]), undefined);
  });
});

describe('Skip markers', () => {
  it('finds every CircleCI and GitHub skip marker, in any case, and the skip-checks trailer', () => {
    for (const marker of SKIP_MARKERS) {
      assert.strictEqual(skipMarkerIn(`Fix ${marker} header`), marker);
      assert.strictEqual(skipMarkerIn(`Fix header\n\nbody ${marker.toUpperCase()}`), marker.toUpperCase());
    }
    assert.strictEqual(skipMarkerIn('[skip ci] New CircleCI config'), '[skip ci]');
    assert.strictEqual(skipMarkerIn('Subject\n\nbody\n\nskip-checks: true'), 'skip-checks: true');
    assert.strictEqual(skipMarkerIn(':robot: Trigger build #12535'), undefined);
    assert.strictEqual(skipMarkerIn('skip ci without brackets'), undefined);
    assert.strictEqual(skipMarkerIn(undefined), undefined);
    assert.strictEqual(skipMarkerIn(''), undefined);
  });

  it('removes every marker from a line the extension writes', () => {
    assert.strictEqual(withoutSkipMarkers('[HOLD] [skip ci] New CircleCI config'), '[HOLD] New CircleCI config');
    assert.strictEqual(withoutSkipMarkers('[CI SKIP] a [no ci] b [skip actions] c [actions skip]'), 'a b c');
    assert.strictEqual(withoutSkipMarkers('no marker here'), 'no marker here');
    for (const marker of SKIP_MARKERS) assert.strictEqual(skipMarkerIn(withoutSkipMarkers(`x ${marker} y`)), undefined);
  });
});
