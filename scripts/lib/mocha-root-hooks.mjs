// Root hook plugin of the unit tests (.mocharc.json `require`): no error goes unnoticed and nothing
// a test started outlives the run.
//
// - Unhandled promise rejections. Mocha 11 alone lets them pass: it re-emits the event on
//   `process`, where no one listens, and the test passes (exit 0). Here each one is printed when it
//   happens, with the test that was running, and the root "after all" hook fails naming every one:
//   a failure in the counts and a non-zero exit. Uncaught exceptions mocha already fails itself (the
//   test or hook running gets the error); they are listed in the same hook too, so that none is
//   lost (mocha drops one that arrives while a test it already failed is still current).
//   One that arrives after that hook still makes the exit status 1.
// - Cleanups: a helper that starts something that must not outlive the run (the webview
//   harness's Chromium) registers an async close function in the Set at
//   globalThis[Symbol.for('planet4.unit.cleanups')] and removes it when it closes normally; the
//   root "after all" hook runs what is left, e.g. after a `before` hook failed or timed out.
// - PLANET4_TEST_UNHANDLED_ON_PURPOSE=1 leaves a promise rejection unhandled in the first test,
//   which proves the above (npm test then fails); off unless set.
/** @type {Record<symbol, Set<() => Promise<void>> | undefined>} */
const shared = /** @type {never} */ (globalThis);
const cleanups = (shared[Symbol.for('planet4.unit.cleanups')] ??= new Set());

/**
 * {kind, where, error, late} of every unhandled rejection and uncaught exception (late: after the check)
 * @type {{ kind: string; where: string; error: unknown; late: boolean }[]}
 */
const errors = [];
let where = 'while loading the tests or in a "before all" hook';
let ended = false;

/** @param {string} kind @param {unknown} error */
function record(kind, error) {
  errors.push({ kind, where, error, late: ended });
  const text = error instanceof Error ? error.stack || error.message : String(error);
  process.stderr.write(`\nunit: ${kind} ${where}:\n${text.replace(/^/gm, '    ')}\n`);
}
// mocha's own listener passes each rejection on to `process` once more: count each promise once
const seen = new WeakSet();
process.on('unhandledRejection', (reason, promise) => {
  if (seen.has(promise)) return;
  seen.add(promise);
  record('unhandled promise rejection', reason);
});
// a monitor only looks: mocha (or Node, outside the run) still handles the exception as before
process.on('uncaughtExceptionMonitor', (error) => record('uncaught exception', error));
process.on('exit', () => {
  const late = errors.filter((e) => e.late);
  if (late.length && !process.exitCode) {
    process.stderr.write(`unit: ${late.length} error(s) after the tests ended (above): exit status 1\n`);
    process.exitCode = 1;
  }
});

/** @param {unknown} e */
const firstLine = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0];

let onPurpose = process.env.PLANET4_TEST_UNHANDLED_ON_PURPOSE === '1';

/**
 * The root "after all" hook that runs the cleanups and fails naming every error. Added by the root
 * "before all" hook below, so that it comes after the other root "after all" hooks (a test file's
 * top-level `after` included) and sees what they do too.
 * @this {import('mocha').Context}
 */
async function finalCheck() {
  this.timeout(60_000);
  // what a failed or timed-out `before` hook left running; what closing it rejects is recorded too
  await Promise.allSettled([...cleanups].map((close) => close()));
  cleanups.clear();
  await new Promise((resolve) => setTimeout(resolve, 50)); // lets a last rejection be reported
  ended = true;
  where = 'after the tests ended';
  if (errors.length === 0) return;
  const list = errors.map((e) => `  ${e.kind} ${e.where}: ${firstLine(e.error)}`).join('\n');
  throw new Error(
    `${errors.length} unhandled promise rejection(s) / uncaught exception(s) during the unit tests ` +
      `(each fails the run; stacks printed above where they happened):\n${list}`,
  );
}

export const mochaHooks = {
  /** @this {import('mocha').Context} */
  beforeAll() {
    const root = /** @type {import('mocha').Suite} */ (/** @type {import('mocha').Runnable} */ (this.test).parent);
    root.afterAll('no unhandled errors, nothing left running', finalCheck);
  },
  /** @this {import('mocha').Context} */
  beforeEach() {
    where = `during "${this.currentTest?.fullTitle()}"`;
    if (onPurpose) {
      onPurpose = false;
      void Promise.reject(
        new Error('PLANET4_TEST_UNHANDLED_ON_PURPOSE=1: a promise rejected on purpose, never handled'),
      );
    }
  },
  /** @this {import('mocha').Context} */
  afterEach() {
    where = `after "${this.currentTest?.fullTitle()}" (between tests, or in an "after all" hook)`;
  },
};
