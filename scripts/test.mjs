#!/usr/bin/env node
// npm test: every check of the project, in order, stopping at the first failing stage:
//
//   build        node esbuild.js
//   typecheck    npx tsc --noEmit -p .
//   lint         npx eslint .
//   format       npx prettier --check .
//   tools        node scripts/host-tools.mjs (installs the test host tools once: Node 24, the VS Code
//                server, playwright-core — 2–3 minutes, progress every 20 s; seconds when cached)
//   unit         npx mocha --reporter spec  (counts through scripts/lib/mocha-results.mjs)
//   integration  node test/host/run.mjs     (real VS Code 1.139.1 host; counts from its results JSON)
//
// Always ends with the stage durations, one line per suite and, as the very last line, the
// total of both suites: `N passed, N failed`. Exit status 0 only when every stage passed.
// Extra arguments are passed to the integration runner (e.g. npm test -- --grep host).
//
// No stage can hang: each runs in its own process group with a time limit (minutes below, in
// LIMITS); past it the group gets SIGTERM, 15 s later SIGKILL together with every process started
// under it (also those in groups of their own: the VS Code server, Chromium, npm installs), and the
// stage fails saying so. Ctrl-C (SIGINT/SIGTERM/SIGHUP) is passed on to the running stage the same
// way, and the summary is still printed.
//
// PLANET4_SKIP_STAGES=lint,format skips stages (local use only; reported as SKIPPED, CI never sets it).
// PLANET4_STAGE_LIMITS=unit=5,integration=45 changes time limits (minutes, decimals allowed).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-test-'));
const unitResults = path.join(tmp, 'unit.json');
const integrationResults = path.join(tmp, 'integration.json');

/**
 * Time limit of each stage in minutes: generous, for a fresh machine with 2 busy cores (the tools
 * stage took 11 minutes there under a load average of 20; 2–3 minutes on an idle one).
 */
const LIMITS = { build: 5, typecheck: 10, lint: 10, format: 5, tools: 30, unit: 10, integration: 30 };
for (const item of (process.env.PLANET4_STAGE_LIMITS || '').split(',').filter(Boolean)) {
  const [name, minutes] = item.split('=');
  if (!(name in LIMITS) || !(Number(minutes) > 0)) {
    console.error(`test: PLANET4_STAGE_LIMITS: "${item}" is not <stage>=<minutes>`);
    process.exit(2);
  }
  LIMITS[name] = Number(minutes);
}
const fmtMinutes = (m) => (m >= 1 ? `${m} min` : `${Math.round(m * 60)} s`);

/** Every process of the machine, from /proc (Linux): [{pid, state, ppid, pgrp}]. */
function processes() {
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

/** Every process under `pid` (children, grandchildren…): also those that left its group. */
function descendants(pid) {
  const all = processes();
  const found = [];
  const todo = [pid];
  while (todo.length) {
    const parent = todo.pop();
    const kids = all.filter((p) => p.ppid === parent).map((p) => p.pid);
    todo.push(...kids);
    found.push(...kids);
  }
  return found;
}

function kill(target, signal) {
  try {
    process.kill(target, signal);
  } catch {
    /* gone */
  }
}

/** The stage running now: {stop(code, why)}. */
let running = null;
/** Set by Ctrl-C & co.: no further stage starts. */
let interrupted = null;

/**
 * Runs a command in a process group of its own, with inherited output, for at most `limitMin`
 * minutes. Resolves with {code, why}: its exit code (a signal counts as 1) and, when it was
 * stopped, why (124 past the time limit, 130 interrupted).
 */
function sh(cmd, args, { env = {}, limitMin }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
      detached: true,
    });
    let stopped = null;
    let tree = [];
    let killTimer;
    const stop = (code, why) => {
      if (stopped) return;
      stopped = { code, why };
      console.error(`\ntest: ${why}: stopping the stage (SIGTERM, SIGKILL after 15 s)`);
      tree = descendants(child.pid);
      kill(-child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        tree = [...new Set([...tree, ...descendants(child.pid)])];
        kill(-child.pid, 'SIGKILL');
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
      if (processes().some((p) => p.pgrp === child.pid && p.state !== 'Z')) {
        console.error('test: the stage left processes behind in its group: killing them');
        kill(-child.pid, 'SIGKILL');
      }
      for (const pid of tree) kill(pid, 'SIGKILL');
      resolve(stopped || { code: code ?? (signal ? 1 : 0) });
    });
  });
}

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(sig, () => {
    if (interrupted) process.exit(code); // a second Ctrl-C: do not wait
    interrupted = sig;
    running?.stop(130, `${sig} received`);
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function hasUnitTests(dir = path.join(root, 'out', 'test', 'unit')) {
  if (!fs.existsSync(dir)) return false;
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .some((e) => (e.isDirectory() ? hasUnitTests(path.join(dir, e.name)) : e.name.endsWith('.test.js')));
}

/** per suite: {passed, failed, pending, note} once run */
const suites = { unit: null, integration: null };

/**
 * The stages; run(limitMin) resolves with {code, why} (why: the stage was stopped). A stage that
 * runs a suite records its counts in `suites`, also when it crashed or was stopped.
 */
const command = (cmd, args) => (limitMin) => sh(cmd, args, { limitMin });
const stages = [
  { name: 'build', show: 'node esbuild.js', run: command(process.execPath, ['esbuild.js']) },
  { name: 'typecheck', show: 'npx tsc --noEmit -p .', run: command(bin('tsc'), ['--noEmit', '-p', '.']) },
  { name: 'lint', show: 'npx eslint .', run: command(bin('eslint'), ['.']) },
  { name: 'format', show: 'npx prettier --check .', run: command(bin('prettier'), ['--check', '.']) },
  {
    name: 'tools',
    show: 'node scripts/host-tools.mjs',
    run: command(process.execPath, [path.join('scripts', 'host-tools.mjs')]),
  },
  {
    name: 'unit',
    show: 'npx mocha --reporter spec',
    run: async (limitMin) => {
      if (!hasUnitTests()) {
        suites.unit = { passed: 0, failed: 0, pending: 0, note: 'no unit tests in out/test/unit' };
        console.log('unit: no *.test.js in out/test/unit — nothing to run');
        return { code: 0 };
      }
      const result = await sh(
        bin('mocha'),
        ['--reporter', 'spec', '--require', path.join(root, 'scripts', 'lib', 'mocha-results.mjs')],
        { env: { PLANET4_UNIT_RESULTS: unitResults }, limitMin },
      );
      const { code, why } = result;
      const r = readJson(unitResults);
      if (r && !why) suites.unit = { ...r, note: code !== 0 && r.failed === 0 ? `mocha exited ${code}` : '' };
      else
        suites.unit = {
          passed: r?.passed ?? 0,
          failed: (r?.failed ?? 0) + 1,
          pending: r?.pending ?? 0,
          note: `${why || `mocha exited ${code} before reporting`} (counted as 1 failure)`,
        };
      return code !== 0 ? result : { code: suites.unit.failed > 0 ? 1 : 0 };
    },
  },
  {
    name: 'integration',
    show: 'node test/host/run.mjs',
    run: async (limitMin) => {
      const result = await sh(process.execPath, [path.join('test', 'host', 'run.mjs'), ...process.argv.slice(2)], {
        env: { PLANET4_TEST_RESULTS: integrationResults },
        limitMin,
      });
      const { code, why } = result;
      const r = readJson(integrationResults);
      if (r && r.vscodeVersion && !why) {
        suites.integration = {
          ...r,
          note:
            `VS Code ${r.vscodeVersion}` +
            (code !== 0 && r.failed === 0 ? `, host exited ${code}${r.error ? `: ${r.error}` : ''}` : ''),
        };
      } else {
        const reason = why || r?.error || `runner exited ${code}`;
        suites.integration = { passed: 0, failed: 1, pending: 0, note: `${reason} (counted as 1 failure)` };
      }
      return code !== 0 ? result : { code: suites.integration.failed > 0 ? 1 : 0 };
    },
  },
];

const fmtSecs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const timings = [];
let failedStage = null;
const started = Date.now();
const skip = new Set((process.env.PLANET4_SKIP_STAGES || '').split(',').filter(Boolean));
for (const stage of stages) {
  if (interrupted) break;
  if (skip.has(stage.name)) {
    console.log(`\n=== ${stage.name}: SKIPPED (PLANET4_SKIP_STAGES)`);
    timings.push({ name: stage.name, ms: 0, code: 0, skipped: true });
    continue;
  }
  console.log(`\n=== ${stage.name}: ${stage.show}`);
  const t = Date.now();
  const { code, why } = await stage.run(LIMITS[stage.name]);
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
for (const [name, r] of Object.entries(suites)) {
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
