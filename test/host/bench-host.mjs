#!/usr/bin/env node
// The extension-host part of `npm run bench` (called by dist/bench.js; can run alone after `node esbuild.js`):
// runs out/bench/host.js (bench/host/index.ts) as the extensionTestsPath module in a REAL VS Code 1.139 extension
// host — the same server, browser and tools as test/host/run.mjs — twice, in one browser profile:
//   seed   activate (no saved state), load the 53 sandbox sites, let the extension save its last known state
//   paint  a second host (a reload): activate, first paint from globalState, no network
// The extension under development is a copy of this folder's manifest (activationEvents emptied, so that the
// benchmark decides when it activates) with the extension bundle (dist/ by default, or --dist DIR: e.g. the
// production build) — nothing else changes.
//
//   node test/host/bench-host.mjs --out FILE [--dist DIR] [--paints N] [--keep]
//
// The paint phase runs N times (default 5), each in a fresh extension host (a page load in the same browser profile).
// The same hosts also load two tiny extensions generated here: a warm-up one, activated
// first so that neither measured extension pays the host's first activation, and the baseline — an empty extension
// with one empty tree view — whose activation and first paint are measured in the same host as ours (in alternating
// order), so the benchmark reports ratios to it.
// Writes {seed: HostPhase, paints: HostPhase[]} (bench/host/protocol.ts) to FILE. Exit 0 when both phases wrote
// their results, 1 when one failed, 2 on a setup error.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, workbenchUrl } from './lib/server.mjs';
import { HostError, ensureTools, log } from './lib/tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hostModule = path.join(root, 'out', 'bench', 'host.js');
const PHASE_TIMEOUT_SEC = Number(process.env.PLANET4_HOST_TIMEOUT || 120);

/**
 * @param {string[]} argv
 * @returns {{ out: string; dist: string; paints: number; keep: boolean }}
 */
function parseArgs(argv) {
  /** @type {{ out: string | undefined; dist: string | undefined; paints: number; keep: boolean }} */
  const o = { out: undefined, dist: path.join(root, 'dist'), paints: 5, keep: process.env.PLANET4_HOST_KEEP === '1' };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--out') o.out = argv[++i];
    else if (a === '--dist') o.dist = argv[++i];
    else if (a === '--paints') o.paints = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--keep') o.keep = true;
    else {
      console.error(
        `bench-host.mjs: unknown argument ${a}\nusage: node test/host/bench-host.mjs --out FILE [--dist DIR] [--paints N] [--keep]`,
      );
      process.exit(2);
    }
  }
  if (!o.out || !o.dist) {
    console.error('usage: node test/host/bench-host.mjs --out FILE [--dist DIR] [--paints N] [--keep]');
    process.exit(2);
  }
  return { ...o, out: path.resolve(o.out), dist: path.resolve(o.dist) };
}

/**
 * The tiny extensions loaded next to ours (ids: WARMUP_ID and BASELINE_ID in bench/host/protocol.ts). Each has
 * one view in its own activity-bar container, like ours, and an activate() that registers an empty
 * TreeDataProvider for it and returns the provider: the least an extension with a tree does.
 * @param {string} name
 */
function tinyExtension(name) {
  const view = `${name}.tree`;
  const manifest = {
    name,
    displayName: name,
    publisher: 'greenpeace',
    version: '0.0.1',
    engines: { vscode: '^1.138.0' },
    main: './extension.js',
    activationEvents: [],
    contributes: {
      viewsContainers: { activitybar: [{ id: name, title: name, icon: 'icon.svg' }] },
      views: { [name]: [{ id: view, name }] },
    },
  };
  const main = [
    "const vscode = require('vscode');",
    'exports.activate = (context) => {',
    '  const provider = { getChildren: () => [], getTreeItem: (item) => item };',
    `  context.subscriptions.push(vscode.window.createTreeView('${view}', { treeDataProvider: provider }));`,
    '  return { provider };',
    '};',
    '',
  ].join('\n');
  const icon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"/></svg>\n';
  return {
    folder: name,
    files: { 'package.json': JSON.stringify(manifest, null, 2), 'extension.js': main, 'icon.svg': icon },
  };
}

/** The warm-up extension (activated first, not measured) and the baseline. */
const TINY_EXTENSIONS = [tinyExtension('planet4-bench-warmup'), tinyExtension('planet4-bench-baseline')];

/**
 * The extension folder the host loads: the manifest without activation events, the bundles, the media.
 * @param {string} dir
 * @param {string} dist
 */
function prepareExtension(dir, dist) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  pkg.activationEvents = [];
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  // the manifest's %key% strings resolve through it
  fs.copyFileSync(path.join(root, 'package.nls.json'), path.join(dir, 'package.nls.json'));
  for (const f of ['extension.js', 'sandbox.js']) {
    const from = path.join(dist, f);
    if (!fs.existsSync(from)) throw new HostError(`${from} not found: run "node esbuild.js" first`);
    fs.copyFileSync(from, path.join(dir, 'dist', f));
    if (fs.existsSync(`${from}.map`)) fs.copyFileSync(`${from}.map`, path.join(dir, 'dist', `${f}.map`));
  }
  if (fs.existsSync(path.join(dist, 'webview')))
    fs.cpSync(path.join(dist, 'webview'), path.join(dir, 'dist', 'webview'), { recursive: true });
  fs.cpSync(path.join(root, 'media'), path.join(dir, 'media'), { recursive: true });
  // inside the extension's folder, so that its `vscode` module is the extension's own
  fs.mkdirSync(path.join(dir, 'bench'), { recursive: true });
  fs.copyFileSync(hostModule, path.join(dir, 'bench', 'host.js'));
  return path.join(dir, 'bench', 'host.js');
}

/**
 * Every "Planet 4.log" the extension hosts wrote (the extension's LogOutputChannel).
 * @param {string} userData
 */
function extensionLogs(userData) {
  /** @type {string[]} */
  const found = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'Planet 4.log') found.push(p);
    }
  };
  walk(path.join(userData, 'logs'));
  return found;
}

/**
 * The extension's own "activated in N ms" (Date.now() around its activate()), from a log it wrote.
 * @param {string} file
 */
function selfActivateMs(file) {
  const m = /activated in (\d+) ms/.exec(fs.readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(hostModule))
    throw new HostError(`${path.relative(root, hostModule)} not found: run "node esbuild.js" first`);
  const tools = await ensureTools();
  const server = await startServer({
    tools,
    smokeTestDriver: true,
    hardLimitSec: (opts.paints + 1) * PHASE_TIMEOUT_SEC + 120,
    keep: opts.keep,
  });
  /** @type {any} a playwright-core Browser (untyped, see loadPlaywright) */
  let browser;
  try {
    // One extensionDevelopmentPath (the server keeps only the last one given): a folder without package.json, whose
    // subfolders are the extensions under development — ours and the tiny ones.
    const devDir = path.join(server.runDir, 'extensions');
    const extDir = path.join(devDir, 'planet4-pipelines');
    const testsPath = prepareExtension(extDir, opts.dist);
    for (const b of TINY_EXTENSIONS) {
      const dir = path.join(devDir, b.folder);
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(b.files)) fs.writeFileSync(path.join(dir, name), text);
    }
    browser = await launchBrowser(tools);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    /** @type {(code: number) => void} */
    let settle = () => {};
    await context.exposeFunction('codeAutomationLog', () => {});
    await context.exposeFunction('codeAutomationExit', (/** @type {unknown} */ code) =>
      settle(typeof code === 'number' ? code : 1),
    );

    /** @typedef {{ phase: string; error?: string; activateSelfMs?: number }} Phase  see HostPhase in bench/host/protocol.ts */
    /** @type {{ seed: Phase | undefined; paints: Phase[] }} */
    const results = { seed: undefined, paints: [] };
    const seenLogs = new Set();
    let failed = false;
    const phases = ['seed', ...Array.from({ length: opts.paints }, () => 'paint')];
    for (const [index, phase] of phases.entries()) {
      const file = path.join(server.runDir, `bench-${index}-${phase}.json`);
      /** @type {Promise<number>} */
      const done = new Promise((resolve) => {
        settle = resolve;
      });
      const page = await context.newPage();
      page.on('crash', () => settle(4));
      const timer = setTimeout(() => settle(3), PHASE_TIMEOUT_SEC * 1000);
      /** @type {[string, string][]} */
      const payload = [
        ['extensionDevelopmentPath', server.remote(devDir)],
        ['extensionTestsPath', server.remote(testsPath)],
        [
          'extensionEnvironment',
          JSON.stringify({
            PLANET4_BENCH_PHASE: phase,
            // ours and the baseline take turns at being activated first (see ORDER_ENV in bench/host/protocol.ts)
            PLANET4_BENCH_ORDER: index % 2 === 0 ? 'ours-first' : 'baseline-first',
            PLANET4_BENCH_OUT: file,
            PLANET4_BENCH_DATA_DIR: path.join(root, 'resources', 'sandbox'),
          }),
        ],
        ['skipWelcome', 'true'],
        ['skipReleaseNotes', 'true'],
      ];
      const t0 = Date.now();
      await page.goto(workbenchUrl(server, { payload }), { waitUntil: 'domcontentloaded', timeout: 60000 });
      const code = await done;
      clearTimeout(timer);
      // let the workbench write its storage before the page goes
      await new Promise((r) => setTimeout(r, 500));
      await page.close({ runBeforeUnload: true }).catch(() => {});
      /** @type {Phase} */
      let result;
      try {
        result = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        result = { phase, error: `no result (extension host exit code ${code})` };
      }
      const logs = extensionLogs(server.userData).filter((f) => !seenLogs.has(f));
      for (const f of logs) seenLogs.add(f);
      if (logs[0] !== undefined && logs.length === 1) result.activateSelfMs = selfActivateMs(logs[0]);
      if (code !== 0 || result.error) failed = true;
      if (phase === 'seed') results.seed = result;
      else results.paints.push(result);
      log(
        `bench ${phase}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s${result.error ? `: ${result.error.split('\n')[0]}` : ''}`,
      );
    }
    fs.writeFileSync(opts.out, JSON.stringify(results, null, 2));
    process.exitCode = failed ? 1 : 0;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
}

main().catch((e) => {
  console.error(
    `bench-host.mjs: ${e instanceof HostError ? e.message : /** @type {Error | undefined} */ (e)?.stack || e}`,
  );
  process.exit(2);
});
