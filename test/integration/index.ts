// The extensionTestsPath module: VS Code's extension host (started by test/host/run.mjs) loads the
// extension under development, then calls run(); a rejected promise makes the host exit non-zero.
//
// Runs every *.test.js beside this file (sorted) with mocha's BDD UI (describe/it), 60 s timeout.
// Environment (set through the workbench payload's extensionEnvironment by run.mjs):
//   PLANET4_TEST_GREP     only tests whose full title matches this regular expression
//   PLANET4_TEST_RESULTS  write {passed, failed, pending, vscodeVersion, appName, uiKind, failures} here
//   PLANET4_TEST_UNHANDLED_ON_PURPOSE=1  leave a promise rejection unhandled in the first test (proves
//                         the check below; off unless set)
//
// No error goes unnoticed: every unhandled promise rejection and uncaught exception in the extension
// host while the tests run (VS Code itself only logs them) counts as one more failure, with the test
// that was running and the error in the results' `failures`, and makes run() reject.
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import * as vscode from 'vscode';
import Mocha from 'mocha';

export interface IntegrationResults {
  passed: number;
  failed: number;
  pending: number;
  vscodeVersion: string;
  appName: string;
  uiKind: number;
  durationMs: number;
  failures: { title: string; error: string }[];
}

function grepOf(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern);
  } catch {
    return pattern; // not a valid regular expression: mocha matches it literally
  }
}

/**
 * Marks the extension host's console output so that run.mjs can tell it from the workbench's own
 * log (both arrive through the same channel), and formats it here (the channel joins printf-style
 * arguments such as '%s' without formatting them). VS Code makes console.log & co. non-writable
 * in the extension host, so the global `console` itself is replaced for the duration of the run.
 * Returns a function that restores it.
 */
export const HOST_OUTPUT_MARK = '\u2063p4\u2063';
function markConsole(): () => void {
  const original = globalThis.console;
  const marked = Object.create(original) as Console;
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    Object.defineProperty(marked, m, {
      value: (...args: unknown[]) => {
        original[m](HOST_OUTPUT_MARK + format(...args));
      },
    });
  }
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'console');
  Object.defineProperty(globalThis, 'console', { value: marked, configurable: true, writable: true });
  // mocha's reporters print through Base.consoleLog, captured from console.log when mocha loaded
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const savedConsoleLog = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    marked.log(...args);
  };
  return () => {
    base.consoleLog = savedConsoleLog;
    if (descriptor) Object.defineProperty(globalThis, 'console', descriptor);
  };
}

export function run(): Promise<void> {
  const restoreConsole = markConsole();
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env.PLANET4_TEST_GREP;
  if (grep) mocha.grep(grepOf(grep));
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const started = Date.now();
  const failures: IntegrationResults['failures'] = [];
  const writeResults = (passed: number, failed: number, pending: number): void => {
    const file = process.env.PLANET4_TEST_RESULTS;
    if (!file) return;
    const results: IntegrationResults = {
      passed,
      failed,
      pending,
      vscodeVersion: vscode.version,
      appName: vscode.env.appName,
      uiKind: vscode.env.uiKind,
      durationMs: Date.now() - started,
      failures,
    };
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
  };

  // unhandled rejections and uncaught exceptions while the tests run, with the test that was running
  let current = 'while loading the tests';
  const errors: { title: string; error: string }[] = [];
  const record = (kind: string, e: unknown): void => {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    errors.push({ title: `${kind} ${current}`, error });
    console.error(`${kind} ${current}:\n${error}`);
  };
  // mocha's own listener passes each rejection on to `process` once more: count each promise once
  const seen = new WeakSet<Promise<unknown>>();
  const onRejection = (reason: unknown, promise: Promise<unknown>): void => {
    if (seen.has(promise)) return;
    seen.add(promise);
    record('unhandled promise rejection', reason);
  };
  const onException = (e: unknown): void => {
    record('uncaught exception', e);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  let onPurpose = process.env.PLANET4_TEST_UNHANDLED_ON_PURPOSE === '1';

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((mochaFailed) => {
        // a rejection made at the very end is reported on the next turns of the event loop
        setTimeout(() => {
          const s = runner.stats;
          const passed = s?.passes ?? 0;
          const pending = s?.pending ?? 0;
          failures.push(...errors);
          const failed = mochaFailed + errors.length;
          if (errors.length)
            console.error(
              `${errors.length} unhandled promise rejection(s) / uncaught exception(s) in the extension host ` +
                `(each counted as a failure):\n${errors.map((e) => `  ${e.title}: ${e.error.split('\n')[0]}`).join('\n')}`,
            );
          console.log(`mocha: ${passed} passed, ${failed} failed${pending ? `, ${pending} pending` : ''}`);
          writeResults(passed, failed, pending);
          if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
          else resolve();
        }, 200);
      });
      runner.on('test', (test) => {
        current = `during "${test.fullTitle()}"`;
        if (onPurpose) {
          onPurpose = false;
          void Promise.reject(
            new Error('PLANET4_TEST_UNHANDLED_ON_PURPOSE=1: a promise rejected on purpose, never handled'),
          );
        }
      });
      runner.on('test end', (test) => {
        current = `after "${test.fullTitle()}"`;
      });
      runner.on('fail', (test, err: unknown) => {
        failures.push({ title: test.fullTitle(), error: err instanceof Error ? err.message : String(err) });
      });
    } catch (err) {
      // a test file that throws while loading
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.error(`mocha: could not load the tests: ${error}`);
      failures.push({ title: 'loading the integration tests', error });
      writeResults(0, 1, 0);
      reject(err instanceof Error ? err : new Error(error));
    }
  }).finally(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    restoreConsole();
  });
}
