// The state a restored report panel brings back was written by its webview: `restoreTarget` checks it before anything
// is read or requested for the panel. Pure cases, no `vscode`; the panel itself is tested in the real host
// (test/integration/reportRestore.test.ts).
import * as assert from 'assert';
import { restoreTarget } from '../../src/core/report/restore';

const NOT_VALID = /^The visual report of africa was not restored: its saved job number is not valid\./;
const NOT_LISTED = /^The visual report of (\S+) was not restored: \1 is not among the Planet 4 sites/;

describe('report: restoreTarget (the state of a restored panel)', () => {
  it('closes a panel whose state names no valid site, whether or not the site list is known', () => {
    const states: unknown[] = [
      { site: 'x/../../../../me', jobNumber: 1 },
      { site: 'africa/../../../me?x=', jobNumber: 1 },
      { site: '../africa', jobNumber: 2 },
      { site: 'africa?x=1', jobNumber: 2 },
      { site: 'africa#x', jobNumber: 3 },
      { site: '%2e%2e', jobNumber: 4 },
      { site: 'a b', jobNumber: 5 },
      { site: '-africa', jobNumber: 5 },
      { site: '', jobNumber: 6 },
      { site: 42, jobNumber: 7 },
      { site: ['africa'], jobNumber: 7 },
      { site: 'x'.repeat(93), jobNumber: 8 },
      { site: 'x'.repeat(200), jobNumber: 8 },
      { jobNumber: 9 },
      null,
      undefined,
      'africa',
      42,
    ];
    for (const knownSites of [['africa'], [], undefined]) {
      for (const state of states) {
        const t = restoreTarget(state, knownSites);
        assert.strictEqual(t.kind, 'close', `${JSON.stringify(state)} with ${JSON.stringify(knownSites)}`);
      }
    }
    assert.deepStrictEqual(restoreTarget(null, ['africa']), { kind: 'close', reason: 'the panel has no saved state' });
    assert.deepStrictEqual(restoreTarget({ site: '../africa' }, ['africa']), {
      kind: 'close',
      reason: 'its saved state names no valid site',
    });
  });

  it('accepts a site name of the longest length a repository allows (92 characters)', () => {
    const site = 'x'.repeat(92);
    assert.deepStrictEqual(restoreTarget({ site, jobNumber: 8 }, undefined), { kind: 'restore', site, jobNumber: 8 });
  });

  it('keeps a valid site with an invalid job number as a placeholder that says so', () => {
    for (const jobNumber of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '7', { n: 1 }, null, true]) {
      for (const knownSites of [['africa'], []]) {
        const t = restoreTarget({ site: 'africa', jobNumber }, knownSites);
        assert.ok(t.kind === 'placeholder', `${JSON.stringify(jobNumber)}: ${JSON.stringify(t)}`);
        assert.strictEqual(t.site, 'africa');
        assert.match(t.message, NOT_VALID);
      }
    }
  });

  it('keeps a site that is not among the known sites as a placeholder, whatever its job number', () => {
    for (const jobNumber of [5, undefined, 0, '7']) {
      const t = restoreTarget({ site: 'africa', jobNumber }, ['brasil']);
      assert.ok(t.kind === 'placeholder', JSON.stringify(t));
      assert.strictEqual(t.site, 'africa');
      assert.match(t.message, NOT_LISTED);
      assert.match(t.message, /africa is not among the Planet 4 sites/);
    }
    // case matters: the fleet's names are what the API paths use
    assert.strictEqual(restoreTarget({ site: 'Africa', jobNumber: 5 }, ['africa']).kind, 'placeholder');
  });

  it('restores a listed site, or any site name while the site list is not known (checked when it is)', () => {
    assert.deepStrictEqual(restoreTarget({ site: 'africa', jobNumber: 5 }, ['brasil', 'africa']), {
      kind: 'restore',
      site: 'africa',
      jobNumber: 5,
    });
    assert.deepStrictEqual(restoreTarget({ site: 'congo', jobNumber: 6 }, []), {
      kind: 'restore',
      site: 'congo',
      jobNumber: 6,
    });
    assert.deepStrictEqual(restoreTarget({ site: 'congo', jobNumber: 6 }, undefined), {
      kind: 'restore',
      site: 'congo',
      jobNumber: 6,
    });
    // no job number: the site's current report
    assert.deepStrictEqual(restoreTarget({ site: 'africa' }, ['africa']), { kind: 'restore', site: 'africa' });
    assert.deepStrictEqual(restoreTarget({ site: 'africa', jobNumber: Number.MAX_SAFE_INTEGER }, ['africa']), {
      kind: 'restore',
      site: 'africa',
      jobNumber: Number.MAX_SAFE_INTEGER,
    });
  });
});
