#!/usr/bin/env node
// npm test: every check of the project, in order, stopping at the first failing stage:
//
//   build      node esbuild.js
//   typecheck  npx tsc -b                  (a project per target: tsconfig.json lists them)
//   lint       npx eslint .                (the layer rules; the .mjs/.js runners too)
//   format     npx prettier --check .
//   node       npx mocha --config .mocharc.json           the unit tests that need only Node
//   tools      node scripts/host-tools.mjs (installs the test host tools once: Node 24, the VS Code
//              server, playwright-core — 2–3 minutes, progress every 20 s; seconds when cached)
//   chromium   npx mocha --config .mocharc.chromium.json  the unit tests that drive headless Chromium
//                                                         (playwright-core from the tools stage)
//   host       node test/host/run.mjs      the integration tests in a real VS Code 1.139.1 extension host
//   package    node test/host/package.mjs  the packaged .vsix installed into a fresh VS Code host (not the
//                                          development folder) and its smoke test
//
// The four test tiers are named by what they need; the mocha ones count through
// scripts/lib/mocha-results.mjs, the host ones from their results JSON. Always ends with the stage
// durations, one line per tier and, as the very last line, the total of the tiers:
// `N passed, N failed`. Exit status 0 only when every stage passed.
// Extra arguments are passed to the host runner (e.g. npm test -- --grep host).
//
// No stage can hang: each runs in its own process group with a time limit (minutes below, in
// LIMITS); past it the group gets SIGTERM, 15 s later SIGKILL together with every process started
// under it (also those in groups of their own: the VS Code server, Chromium, npm installs), and the
// stage fails saying so. Ctrl-C (SIGINT/SIGTERM/SIGHUP) is passed on to the running stage the same
// way, and the summary is still printed.
//
// PLANET4_SKIP_STAGES=lint,format skips stages (local use only; reported as SKIPPED, CI never sets it).
// PLANET4_STAGE_LIMITS=node=5,host=45 changes time limits (minutes, decimals allowed).
// Both take the stage names above; an unknown name is an error (exit status 2).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** @param {string} name */
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

/**
 * Time limit of each stage in minutes: generous, for a fresh machine with 2 busy cores (the tools
 * stage took 11 minutes there under a load average of 20; 2–3 minutes on an idle one).
 * @type {Record<string, number>}
 */
const LIMITS = {
  build: 5,
  typecheck: 10,
  lint: 10,
  format: 5,
  node: 10,
  tools: 30,
  chromium: 10,
  host: 30,
  package: 15,
};
for (const item of (process.env.PLANET4_STAGE_LIMITS || '').split(',').filter(Boolean)) {
  const [name = '', minutes] = item.split('=');
  if (!(name in LIMITS) || !(Number(minutes) > 0)) {
    console.error(
      `test: PLANET4_STAGE_LIMITS: "${item}" is not <stage>=<minutes> (stages: ${Object.keys(LIMITS).join(', ')})`,
    );
    process.exit(2);
  }
  LIMITS[name] = Number(minutes);
}
const skip = new Set((process.env.PLANET4_SKIP_STAGES || '').split(',').filter(Boolean));
for (const name of skip) {
  if (!(name in LIMITS)) {
    console.error(`test: PLANET4_SKIP_STAGES: "${name}" is not a stage (stages: ${Object.keys(LIMITS).join(', ')})`);
    process.exit(2);
  }
}
/** @param {number} m */
const fmtMinutes = (m) => (m >= 1 ? `${m} min` : `${Math.round(m * 60)} s`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-test-'));

/** Every process of the machine, from /proc (Linux): [{pid, state, ppid, pgrp}]. */
function processes() {
  /** @type {{ pid: number; state: string | undefined; ppid: number; pgrp: number }[]} */
  const list = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (command) state ppid pgrp …": the command may contain spaces and parentheses
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      list.push({ pid: Number(name), state, ppid: Number(ppid), pgrp: Number(pgrp) });
    } catch {
      /* ended meanwhile */
    }
  }
  return list;
}

/**
 * Every process under `pid` (children, grandchildren…): also those that left its group.
 * @param {number} pid
 */
function descendants(pid) {
  const all = processes();
  /** @type {number[]} */
  const found = [];
  const todo = [pid];
  for (let parent = todo.pop(); parent !== undefined; parent = todo.pop()) {
    const kids = all.filter((p) => p.ppid === parent).map((p) => p.pid);
    todo.push(...kids);
    found.push(...kids);
  }
  return found;
}

/**
 * process.kill, for a process or (target < 0) a process group that may be gone already.
 * @param {number} target
 * @param {NodeJS.Signals} signal
 */
function kill(target, signal) {
  try {
    process.kill(target, signal);
  } catch {
    /* gone */
  }
}

/** @typedef {{ code: number; why?: string }} Result  a stage's exit code and, when it was stopped, why */

/** The stage running now: {stop(code, why)}. @type {{ stop: (code: number, why: string) => void } | null} */
let running = null;
/** Set by Ctrl-C & co.: no further stage starts. @type {NodeJS.Signals | null} */
let interrupted = null;

/**
 * Runs a command in a process group of its own, with inherited output, for at most `limitMin`
 * minutes. Resolves with {code, why}: its exit code (a signal counts as 1) and, when it was
 * stopped, why (124 past the time limit, 130 interrupted).
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: Record<string, string>; limitMin: number }} opts
 * @returns {Promise<Result>}
 */
function sh(cmd, args, { env = {}, limitMin }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
      detached: true,
    });
    // spawn fails (the 'error' event below) or gives a pid
    const pid = /** @type {number} */ (child.pid);
    /** @type {Result | null} */
    let stopped = null;
    /** @type {number[]} */
    let tree = [];
    /** @type {NodeJS.Timeout | undefined} */
    let killTimer;
    /** @type {(code: number, why: string) => void} */
    const stop = (code, why) => {
      if (stopped) return;
      stopped = { code, why };
      console.error(`\ntest: ${why}: stopping the stage (SIGTERM, SIGKILL after 15 s)`);
      tree = descendants(pid);
      kill(-pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        tree = [...new Set([...tree, ...descendants(pid)])];
        kill(-pid, 'SIGKILL');
        for (const pid of tree) kill(pid, 'SIGKILL');
      }, 15000);
    };
    running = { stop };
    const limit = setTimeout(() => stop(124, `time limit of ${fmtMinutes(limitMin)} exceeded`), limitMin * 60000);
    child.on('error', (e) => {
      console.error(`test: cannot run ${cmd}: ${e.message}`);
      clearTimeout(limit);
      running = null;
      resolve({ code: 127 });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      clearTimeout(killTimer);
      running = null;
      // nothing of a finished stage may live on: what is left in its group (zombies aside: esbuild's
      // service waits a moment to be reaped), and (when it was stopped) every process that was
      // under it, is killed now
      if (processes().some((p) => p.pgrp === pid && p.state !== 'Z')) {
        console.error('test: the stage left processes behind in its group: killing them');
        kill(-pid, 'SIGKILL');
      }
      for (const pid of tree) kill(pid, 'SIGKILL');
      resolve(stopped || { code: code ?? (signal ? 1 : 0) });
    });
  });
}

for (const [sig, code] of /** @type {const} */ ([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
])) {
  process.on(sig, () => {
    if (interrupted) process.exit(code); // a second Ctrl-C: do not wait
    interrupted = sig;
    running?.stop(130, `${sig} received`);
  });
}

/** @param {string} file @returns {any} the file's JSON, or null */
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Whether `dir` (recursively) holds a `*.test.js` other than those in `except`.
 * @param {string} dir
 * @param {Set<string>} except  absolute paths
 * @returns {boolean}
 */
function hasTests(dir, except) {
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir, { withFileTypes: true }).some((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? hasTests(file, except) : e.name.endsWith('.test.js') && !except.has(file);
  });
}

/** @typedef {{ passed: number; failed: number; pending: number; note: string }} Counts */
/** per test tier: its counts once run @type {Record<string, Counts | null>} */
const tiers = { node: null, chromium: null, host: null, package: null };

/**
 * A mocha tier: the spec files of its config (.mocharc*.json), with the root hooks, the spec
 * reporter and the counts written by scripts/lib/mocha-results.mjs. Records its counts in `tiers`,
 * also when it crashed or was stopped.
 * @param {string} name
 * @param {string} config
 * @param {() => boolean} hasSpecs  whether there is anything to run (else the tier passes with a note)
 * @returns {(limitMin: number) => Promise<Result>}
 */
const mochaTier = (name, config, hasSpecs) => async (limitMin) => {
  if (!hasSpecs()) {
    tiers[name] = { passed: 0, failed: 0, pending: 0, note: `no tests for ${config}` };
    console.log(`${name}: no tests for ${config} in out/test — nothing to run`);
    return { code: 0 };
  }
  const resultsFile = path.join(tmp, `${name}.json`);
  const result = await sh(
    bin('mocha'),
    ['--config', config, '--reporter', 'spec', '--require', path.join(root, 'scripts', 'lib', 'mocha-results.mjs')],
    { env: { PLANET4_UNIT_RESULTS: resultsFile }, limitMin },
  );
  const { code, why } = result;
  const r = readJson(resultsFile);
  /** @type {Counts} */
  const counts =
    r && !why
      ? { ...r, note: code !== 0 && r.failed === 0 ? `mocha exited ${code}` : '' }
      : {
          passed: r?.passed ?? 0,
          failed: (r?.failed ?? 0) + 1,
          pending: r?.pending ?? 0,
          note: `${why || `mocha exited ${code} before reporting`} (counted as 1 failure)`,
        };
  tiers[name] = counts;
  return code !== 0 ? result : { code: counts.failed > 0 ? 1 : 0 };
};

/** The spec files of a mocha config (plain paths, no globs), absolute. @param {string} config */
const specFiles = (config) => {
  const spec = JSON.parse(fs.readFileSync(path.join(root, config), 'utf8')).spec;
  return (Array.isArray(spec) ? spec : [spec]).map((f) => path.join(root, String(f)));
};
const chromiumSpecs = specFiles('.mocharc.chromium.json');

/**
 * A tier run by one of the host runners (test/host/run.mjs, test/host/package.mjs): its counts come from the
 * results JSON the runner writes to PLANET4_TEST_RESULTS; a crash, a stop or a missing file counts as 1 failure.
 * @param {string} name
 * @param {string} script
 * @param {string[]} args
 * @returns {(limitMin: number) => Promise<Result>}
 */
const runnerTier = (name, script, args) => async (limitMin) => {
  const resultsFile = path.join(tmp, `${name}.json`);
  const result = await sh(process.execPath, [script, ...args], {
    env: { PLANET4_TEST_RESULTS: resultsFile },
    limitMin,
  });
  const { code, why } = result;
  const r = readJson(resultsFile);
  /** @type {Counts} */
  let counts;
  if (r && typeof r.passed === 'number' && !why) {
    const version = r.vscodeVersion ? `VS Code ${r.vscodeVersion}` : '';
    const exit = code !== 0 && r.failed === 0 ? `runner exited ${code}${r.error ? `: ${r.error}` : ''}` : '';
    counts = { ...r, note: [version, exit].filter(Boolean).join(', ') };
  } else {
    const reason = why || r?.error || `runner exited ${code}`;
    counts = { passed: 0, failed: 1, pending: 0, note: `${reason} (counted as 1 failure)` };
  }
  tiers[name] = counts;
  return code !== 0 ? result : { code: counts.failed > 0 ? 1 : 0 };
};

/**
 * The stages; run(limitMin) resolves with {code, why} (why: the stage was stopped). A stage that
 * runs a test tier records its counts in `tiers`, also when it crashed or was stopped.
 * @type {(cmd: string, args: string[]) => (limitMin: number) => Promise<Result>}
 */
const command = (cmd, args) => (limitMin) => sh(cmd, args, { limitMin });
/** @type {{ name: string; show: string; run: (limitMin: number) => Promise<Result> }[]} */
const stages = [
  { name: 'build', show: 'node esbuild.js', run: command(process.execPath, ['esbuild.js']) },
  { name: 'typecheck', show: 'npx tsc -b', run: command(bin('tsc'), ['-b']) },
  { name: 'lint', show: 'npx eslint .', run: command(bin('eslint'), ['.']) },
  { name: 'format', show: 'npx prettier --check .', run: command(bin('prettier'), ['--check', '.']) },
  {
    name: 'node',
    show: 'npx mocha --config .mocharc.json',
    run: mochaTier('node', '.mocharc.json', () =>
      hasTests(path.join(root, 'out', 'test', 'unit'), new Set(chromiumSpecs)),
    ),
  },
  {
    name: 'tools',
    show: 'node scripts/host-tools.mjs',
    run: command(process.execPath, [path.join('scripts', 'host-tools.mjs')]),
  },
  {
    name: 'chromium',
    show: 'npx mocha --config .mocharc.chromium.json',
    run: mochaTier('chromium', '.mocharc.chromium.json', () => chromiumSpecs.some((f) => fs.existsSync(f))),
  },
  {
    name: 'host',
    show: 'node test/host/run.mjs',
    run: runnerTier('host', path.join('test', 'host', 'run.mjs'), process.argv.slice(2)),
  },
  {
    name: 'package',
    show: 'node test/host/package.mjs',
    run: runnerTier('package', path.join('test', 'host', 'package.mjs'), []),
  },
];

/** @param {number} ms */
const fmtSecs = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** @type {{ name: string; ms: number; code: number; status?: string; skipped?: boolean }[]} */
const timings = [];
/** @type {string | null} */
let failedStage = null;
const started = Date.now();
for (const stage of stages) {
  if (interrupted) break;
  if (skip.has(stage.name)) {
    console.log(`\n=== ${stage.name}: SKIPPED (PLANET4_SKIP_STAGES)`);
    timings.push({ name: stage.name, ms: 0, code: 0, skipped: true });
    continue;
  }
  console.log(`\n=== ${stage.name}: ${stage.show}`);
  const t = Date.now();
  const { code, why } = await stage.run(/** @type {number} */ (LIMITS[stage.name]));
  const ms = Date.now() - t;
  const status = code === 0 ? 'ok' : why ? `FAILED (${why})` : `FAILED (exit ${code})`;
  timings.push({ name: stage.name, ms, code, status });
  console.log(`=== ${stage.name}: ${status} in ${fmtSecs(ms)}`);
  if (code !== 0) {
    failedStage = stage.name;
    break;
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\n=== summary');
for (const s of stages) {
  const t = timings.find((x) => x.name === s.name);
  const status = !t ? 'not run' : t.skipped ? 'SKIPPED' : t.status;
  console.log(`  ${s.name.padEnd(12)} ${t ? fmtSecs(t.ms).padStart(8) : '       -'}  ${status}`);
}
console.log(`  ${'total'.padEnd(12)} ${fmtSecs(Date.now() - started).padStart(8)}`);
if (failedStage) console.log(`test: FAILED at stage "${failedStage}"`);
else if (interrupted) console.log(`test: interrupted (${interrupted})`);
let passed = 0;
let failed = 0;
for (const [name, r] of Object.entries(tiers)) {
  if (!r) {
    console.log(`${name}: not run`);
    continue;
  }
  passed += r.passed;
  failed += r.failed;
  const extra = [r.pending ? `${r.pending} pending` : '', r.note].filter(Boolean).join(', ');
  console.log(`${name}: ${r.passed} passed, ${r.failed} failed${extra ? ` (${extra})` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedStage || interrupted ? 1 : 0);
