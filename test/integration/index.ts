// The extensionTestsPath module: VS Code's extension host (started by test/host/run.mjs) loads the
// extension under development, then calls run(); a rejected promise makes the host exit non-zero.
//
// Runs every *.test.js beside this file (sorted) with mocha's BDD UI (describe/it), 60 s timeout.
// Environment (set through the workbench payload's extensionEnvironment by run.mjs):
//   PLANET4_TEST_GREP     only tests whose full title matches this regular expression
//   PLANET4_TEST_RESULTS  write {passed, failed, pending, vscodeVersion, appName, uiKind, failures} here
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

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failed) => {
        const s = runner.stats;
        const passed = s?.passes ?? 0;
        const pending = s?.pending ?? 0;
        console.log(`mocha: ${passed} passed, ${failed} failed${pending ? `, ${pending} pending` : ''}`);
        writeResults(passed, failed, pending);
        if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
        else resolve();
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
  }).finally(restoreConsole);
}
