#!/usr/bin/env node
// npm test: every check of the project, in order, stopping at the first failing stage:
//
//   build        node esbuild.js
//   typecheck    npx tsc --noEmit -p .
//   lint         npx eslint .
//   format       npx prettier --check .
//   unit         npx mocha --reporter spec  (counts through scripts/lib/mocha-results.mjs)
//   integration  node test/host/run.mjs     (real VS Code 1.139.1 host; counts from its results JSON)
//
// Always ends with the stage durations, one line per suite and, as the very last line, the
// total of both suites: `N passed, N failed`. Exit status 0 only when every stage passed.
// Extra arguments are passed to the integration runner (e.g. npm test -- --grep host).
// PLANET4_SKIP_STAGES=lint,format skips stages (local use only; reported as SKIPPED, CI never sets it).
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

/** Runs a command with inherited output; resolves with its exit code (a signal counts as 1). */
function sh(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (e) => {
      console.error(`test: cannot run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
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

const stages = [
  { name: 'build', show: 'node esbuild.js', run: () => sh(process.execPath, ['esbuild.js']) },
  { name: 'typecheck', show: 'npx tsc --noEmit -p .', run: () => sh(bin('tsc'), ['--noEmit', '-p', '.']) },
  { name: 'lint', show: 'npx eslint .', run: () => sh(bin('eslint'), ['.']) },
  { name: 'format', show: 'npx prettier --check .', run: () => sh(bin('prettier'), ['--check', '.']) },
  {
    name: 'unit',
    show: 'npx mocha --reporter spec',
    run: async () => {
      if (!hasUnitTests()) {
        suites.unit = { passed: 0, failed: 0, pending: 0, note: 'no unit tests in out/test/unit' };
        console.log('unit: no *.test.js in out/test/unit — nothing to run');
        return 0;
      }
      const code = await sh(
        bin('mocha'),
        ['--reporter', 'spec', '--require', path.join(root, 'scripts', 'lib', 'mocha-results.mjs')],
        {
          PLANET4_UNIT_RESULTS: unitResults,
        },
      );
      const r = readJson(unitResults);
      if (r) suites.unit = { ...r, note: code !== 0 && r.failed === 0 ? `mocha exited ${code}` : '' };
      else
        suites.unit = {
          passed: 0,
          failed: 1,
          pending: 0,
          note: `mocha exited ${code} before reporting (counted as 1 failure)`,
        };
      return code !== 0 ? code : suites.unit.failed > 0 ? 1 : 0;
    },
  },
  {
    name: 'integration',
    show: 'node test/host/run.mjs',
    run: async () => {
      const code = await sh(process.execPath, [path.join('test', 'host', 'run.mjs'), ...process.argv.slice(2)], {
        PLANET4_TEST_RESULTS: integrationResults,
      });
      const r = readJson(integrationResults);
      if (r && r.vscodeVersion) {
        suites.integration = {
          ...r,
          note: `VS Code ${r.vscodeVersion}` + (code !== 0 && r.failed === 0 ? `, host exited ${code}` : ''),
        };
      } else {
        const why = (r && r.error) || `runner exited ${code}`;
        suites.integration = { passed: 0, failed: 1, pending: 0, note: `${why} (counted as 1 failure)` };
      }
      return code !== 0 ? code : suites.integration.failed > 0 ? 1 : 0;
    },
  },
];

const fmtSecs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const timings = [];
let failedStage = null;
const started = Date.now();
const skip = new Set((process.env.PLANET4_SKIP_STAGES || '').split(',').filter(Boolean));
for (const stage of stages) {
  if (skip.has(stage.name)) {
    console.log(`\n=== ${stage.name}: SKIPPED (PLANET4_SKIP_STAGES)`);
    timings.push({ name: stage.name, ms: 0, code: 0, skipped: true });
    continue;
  }
  console.log(`\n=== ${stage.name}: ${stage.show}`);
  const t = Date.now();
  const code = await stage.run();
  const ms = Date.now() - t;
  timings.push({ name: stage.name, ms, code });
  console.log(`=== ${stage.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${fmtSecs(ms)}`);
  if (code !== 0) {
    failedStage = stage.name;
    break;
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\n=== summary');
for (const s of stages) {
  const t = timings.find((x) => x.name === s.name);
  const status = !t ? 'not run' : t.skipped ? 'SKIPPED' : t.code === 0 ? 'ok' : `FAILED (exit ${t.code})`;
  console.log(`  ${s.name.padEnd(12)} ${t ? fmtSecs(t.ms).padStart(8) : '       -'}  ${status}`);
}
console.log(`  ${'total'.padEnd(12)} ${fmtSecs(Date.now() - started).padStart(8)}`);
if (failedStage) console.log(`test: FAILED at stage "${failedStage}"`);
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
process.exit(failedStage ? 1 : 0);
