// Loaded by scripts/test.mjs into the unit-test mocha run (`mocha --require scripts/lib/mocha-results.mjs`):
// next to the normal (spec) reporter, writes {passed, failed, pending, failures:[{title, error}]} to
// the file named by $PLANET4_UNIT_RESULTS when the run ends, so the counts need no output parsing.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const file = process.env.PLANET4_UNIT_RESULTS;
if (file) {
  // the mocha instance the CLI is running (resolved from the project, like the CLI itself)
  /** @type {typeof import('mocha')} */
  const Mocha = createRequire(path.join(process.cwd(), 'package.json'))('mocha');
  /** @typedef {import('mocha').Runner} Runner */
  /** Runner#run, which takes options too (not in its types) */
  const runner = /** @type {{ run(this: Runner, fn?: (failures: number) => void, opts?: unknown): Runner }} */ (
    /** @type {unknown} */ (Mocha.Runner.prototype)
  );
  const run = runner.run;
  runner.run = function (fn, opts) {
    /** @type {{ title: string; error: string }[]} */
    const failures = [];
    this.on('fail', (test, /** @type {unknown} */ err) =>
      failures.push({ title: test.fullTitle(), error: err instanceof Error ? err.message : String(err) }),
    );
    this.once('end', () => {
      const s = /** @type {Partial<import('mocha').Stats>} */ (this.stats || {});
      const results = {
        passed: s.passes ?? 0,
        failed: s.failures ?? failures.length,
        pending: s.pending ?? 0,
        failures,
      };
      fs.writeFileSync(file, JSON.stringify(results, null, 2));
    });
    return run.call(this, fn, opts);
  };
}
