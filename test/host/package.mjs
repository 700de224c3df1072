#!/usr/bin/env node
// @ts-check
// The package test: users run the .vsix, so the .vsix is what is tested.
//
//   node test/host/package.mjs [--vsix FILE] [--keep]
//
//  1. packages the project as a release would: `node esbuild.js --production`, then
//     `npx vsce package --no-dependencies -o <tmp>/planet4-pipelines.vsix` (the development bundles in dist/ are put
//     back afterwards); --vsix FILE tests that package instead;
//  2. checks the .vsix's entries (read from the zip itself): the bundles, the webview, the sandbox's data, the icon and
//     package.nls.json are there; nothing else — no source, test, source map or development file;
//  3. installs it with the VS Code server's own CLI (`server-main.js --install-extension <vsix> --extensions-dir <dir>`)
//     into a fresh extensions folder of the real VS Code host of the integration tests (test/host/lib);
//  4. starts that host WITHOUT the project folder: its extensionDevelopmentPath is an empty driver extension in the run
//     folder, and its extensionTestsPath is test/package/smoke.ts, bundled beside it; the smoke test checks that the
//     extension is the installed one, resolves its strings, activates, starts the sandbox, shows the sites, runs
//     planet4.refresh and opens a visual report (see smoke.ts).
//
// Prints one line per check and, last, `package: N passed, N failed`. Exit status: 0 all passed, 1 a check failed
// (a package that cannot be built included), 2 setup error (the host's tools or server), 3 timeout.
//
// Environment:
//   PLANET4_HOST_TIMEOUT  seconds for the host part (default 300); exit 3 when exceeded
//   PLANET4_HOST_KEEP=1   keep the run folder (server log, user data, the .vsix) — same as --keep
//   PLANET4_TEST_RESULTS  also write {passed, failed, pending, failures: [{title, error}], checks} to this file
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { launchBrowser, startServer, workbenchUrl } from './lib/server.mjs';
import { HostError, ensureTools, log } from './lib/tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const smokeSource = path.join(root, 'test', 'package', 'smoke.ts');
/** @type {{name: string, publisher: string, version: string}} */
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const extensionId = `${pkg.publisher}.${pkg.name}`;

/**
 * What the .vsix must carry (paths inside its `extension/` folder).
 * @type {string[]}
 */
const REQUIRED = [
  'package.json',
  'package.nls.json',
  'readme.md',
  'changelog.md',
  'LICENSE.txt',
  'dist/extension.js',
  'dist/sandbox.js',
  'dist/webview/report.js',
  'media/icon.png',
  'media/planet4.svg',
  'media/report.css',
  'media/vendor/codicons/codicon.css',
  'media/vendor/codicons/codicon.ttf',
  'resources/sandbox/sites.txt',
];
/**
 * Everything the .vsix may carry: the files above, the media, the sandbox's data, the l10n bundles.
 * @type {RegExp[]}
 */
const ALLOWED = [
  /^(package\.json|package\.nls\.json|readme\.md|changelog\.md|LICENSE\.txt)$/,
  /^dist\/(extension|sandbox)\.js$/,
  /^dist\/webview\/[\w-]+\.js$/,
  /^media\/(?!.*\.(ts|map)$)/,
  /^resources\/sandbox\//,
  /^l10n\/bundle\.l10n(\.[\w-]+)?\.json$/,
];

/**
 * @typedef {{title: string, ok: boolean, error?: string, ms: number}} Check
 * @typedef {{name: string, method: number, compressedSize: number, offset: number}} ZipEntry
 */

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{vsix: string | undefined, keep: boolean}} */
  const o = { vsix: undefined, keep: process.env.PLANET4_HOST_KEEP === '1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--vsix') o.vsix = argv[++i];
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node test/host/package.mjs [--vsix FILE] [--keep]');
      process.exit(0);
    } else {
      console.error(`package.mjs: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (argv.includes('--vsix') && !o.vsix) {
    console.error('package.mjs: --vsix needs a file');
    process.exit(2);
  }
  return o;
}

/**
 * Runs a command in the project folder, its output passed through; throws HostError when it fails.
 * @param {string} cmd
 * @param {string[]} args
 */
function run(cmd, args) {
  log(`$ ${[cmd, ...args].map((a) => path.relative(root, a) || a).join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status !== 0)
    throw new HostError(`${cmd} ${args.join(' ')} failed (${r.error?.message || r.signal || `exit ${r.status}`})`);
}

/**
 * Packages the project into `vsix` as `npm run package` does; puts dist/'s development bundles back afterwards.
 * @param {string} vsix
 */
function packageProject(vsix) {
  const dist = path.join(root, 'dist');
  /** @type {Map<string, Buffer>} the development bundles the production build overwrites */
  const saved = new Map();
  for (const dir of [dist, path.join(dist, 'webview')])
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : [])
      if (f.endsWith('.js')) saved.set(path.join(dir, f), fs.readFileSync(path.join(dir, f)));
  try {
    run(process.execPath, ['esbuild.js', '--production']);
    run('npx', ['--no', 'vsce', 'package', '--no-dependencies', '-o', vsix]);
  } finally {
    for (const [file, data] of saved) fs.writeFileSync(file, data);
    if (saved.size) log(`dist/: the ${saved.size} development bundles put back`);
  }
}

/**
 * The entries of a zip file, from its central directory.
 * @param {Buffer} zip
 * @returns {ZipEntry[]}
 */
function zipEntries(zip) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--)
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  /** @type {ZipEntry[]} */
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * One entry's content (stored or deflated).
 * @param {Buffer} zip
 * @param {ZipEntry} e
 */
function zipRead(zip, e) {
  const start = e.offset + 30 + zip.readUInt16LE(e.offset + 26) + zip.readUInt16LE(e.offset + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.method === 0) return data;
  if (e.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${e.name}: unknown compression method ${e.method}`);
}

/**
 * The checks of the .vsix file itself.
 * @param {string} vsix
 * @returns {Check[]}
 */
function checkVsix(vsix) {
  /** @type {Check[]} */
  const checks = [];
  /**
   * @param {string} title
   * @param {() => void} fn
   */
  const check = (title, fn) => {
    const t0 = Date.now();
    try {
      fn();
      checks.push({ title, ok: true, ms: Date.now() - t0 });
    } catch (e) {
      checks.push({ title, ok: false, error: e instanceof Error ? e.message : String(e), ms: Date.now() - t0 });
    }
  };
  const zip = fs.readFileSync(vsix);
  /** @type {ZipEntry[]} */
  let entries = [];
  check('the .vsix is a zip with an extension/ folder and a manifest', () => {
    entries = zipEntries(zip);
    if (!entries.some((e) => e.name === 'extension.vsixmanifest')) throw new Error('no extension.vsixmanifest');
    if (!entries.some((e) => e.name === 'extension/package.json')) throw new Error('no extension/package.json');
  });
  const files = entries.filter((e) => e.name.startsWith('extension/')).map((e) => e.name.slice('extension/'.length));
  check('the .vsix carries the bundles, the webview, the sandbox data, the icon and package.nls.json', () => {
    const missing = REQUIRED.filter((f) => !files.includes(f));
    if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
    if (!files.some((f) => f.startsWith('resources/sandbox/backstop/'))) throw new Error('no sandbox BackstopJS data');
  });
  check('the .vsix carries no source, test, source map or development file', () => {
    const outside = entries
      .map((e) => e.name)
      .filter((n) => !n.startsWith('extension/') && n !== 'extension.vsixmanifest' && n !== '[Content_Types].xml');
    const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    const bad = [...outside, ...unexpected.map((f) => `extension/${f}`)];
    if (bad.length) throw new Error(`${bad.length} unexpected entries: ${bad.slice(0, 20).join(', ')}`);
  });
  check('the .vsix manifest names the icon and the resolved display name', () => {
    const manifest = entries.find((e) => e.name === 'extension.vsixmanifest');
    if (!manifest) throw new Error('no extension.vsixmanifest');
    const xml = zipRead(zip, manifest).toString('utf8');
    if (!xml.includes('<Icon>extension/media/icon.png</Icon>')) throw new Error('no <Icon>extension/media/icon.png');
    const name = /<DisplayName>([^<]*)<\/DisplayName>/.exec(xml)?.[1];
    if (!name || name.includes('%')) throw new Error(`display name: ${name}`);
  });
  return checks;
}

/**
 * Installs the .vsix with the VS Code server's CLI.
 * @param {ReturnType<import('./lib/tools.mjs').toolPaths>} tools
 * @param {string} vsix
 * @param {string} extensionsDir
 * @param {string} serverData
 */
function installVsix(tools, vsix, extensionsDir, serverData) {
  const args = [
    tools.serverMain,
    '--install-extension',
    vsix,
    '--extensions-dir',
    extensionsDir,
    '--server-data-dir',
    serverData,
    '--accept-server-license-terms',
  ];
  const r = spawnSync(tools.nodeBin, args, { encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  if (r.status !== 0 || !/successfully installed/.test(out))
    throw new Error(
      `the server CLI did not install it (${r.error?.message || r.signal || `exit ${r.status}`}): ${out}`,
    );
  const folder = path.join(extensionsDir, `${extensionId}-${pkg.version}`);
  if (!fs.existsSync(path.join(folder, 'package.json'))) throw new Error(`${folder}/package.json not installed`);
}

/**
 * The driver: an empty extension (no code, no activation) that stands in as the host's extensionDevelopmentPath — VS
 * Code runs an extensionTestsPath only in a development host — with the bundled smoke test inside it.
 * @param {string} dir
 * @returns {Promise<string>} the smoke test module
 */
async function prepareDriver(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'planet4-package-smoke',
    publisher: 'planet4-test',
    version: '0.0.0',
    private: true,
    engines: { vscode: '*' },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const outfile = path.join(dir, 'smoke.js');
  await esbuild.build({
    entryPoints: [smokeSource],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * `[error]` entries of the extension host's log that name the installed extension (its id or folder), minus command
 * handlers that rejected (their caller got the error).
 * @param {string} userData
 * @param {string} extensionsDir
 */
function extHostErrors(userData, extensionsDir) {
  /** @type {string[]} */
  const found = [];
  const logs = path.join(userData, 'logs');
  for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : [])
    for (const host of fs.readdirSync(path.join(logs, session)).filter((d) => d.startsWith('exthost'))) {
      const file = path.join(logs, session, host, 'remoteexthost.log');
      if (!fs.existsSync(file)) continue;
      for (const entry of fs.readFileSync(file, 'utf8').split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[)/)) {
        const m = /^\S+ \S+ \[error\] ([^]*)$/.exec(entry.trim());
        const text = m?.[1];
        if (text === undefined || /_executeContributedCommand/.test(text)) continue;
        if (text.includes(extensionId) || text.includes(extensionsDir))
          found.push(text.split('\n').slice(0, 4).join(' | '));
      }
    }
  return found;
}

/**
 * Installs the .vsix into a fresh host and runs the smoke test there.
 * @param {string} vsix
 * @param {{keep: boolean}} opts
 * @returns {Promise<{checks: Check[], code: number, why: string}>}
 */
async function runInHost(vsix, opts) {
  const timeoutSec = Number(process.env.PLANET4_HOST_TIMEOUT || 300);
  const tools = await ensureTools();
  /** @type {Check[]} */
  const checks = [];
  let installError = '';
  const t0 = Date.now();
  const server = await startServer({
    tools,
    smokeTestDriver: true,
    hardLimitSec: timeoutSec + 120,
    keep: opts.keep,
    prepare: (runDir, extensionsDir) => {
      try {
        installVsix(tools, vsix, extensionsDir, path.join(runDir, 'server-data'));
      } catch (e) {
        installError = e instanceof Error ? e.message : String(e);
      }
    },
  });
  checks.push({
    title: "the VS Code server's CLI installs the .vsix into a fresh extensions folder",
    ok: !installError,
    ...(installError ? { error: installError } : {}),
    ms: Date.now() - t0,
  });
  /** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
  let browser;
  const stop = async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))
    process.on(sig, () => {
      log(`${sig}: stopping`);
      void stop().finally(() => process.exit(130));
    });
  try {
    if (installError) return { checks, code: 1, why: 'the .vsix was not installed' };
    const driver = path.join(server.runDir, 'driver');
    const smoke = await prepareDriver(driver);
    const resultsFile = path.join(server.runDir, 'smoke-results.json');
    const extEnv = {
      PLANET4_TEST_RESULTS: resultsFile,
      PLANET4_TEST_PACKAGE_EXTENSIONS_DIR: server.extensions,
      PLANET4_TEST_PACKAGE_REPO: root,
      PLANET4_TEST_PACKAGE_VERSION: pkg.version,
    };
    log(`server on ${server.baseUrl}; the .vsix installed in ${server.extensions}; running the smoke test`);
    browser = await launchBrowser(tools);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    /** @type {(r: {code: number, why: string}) => void} */
    let settle = () => {};
    /** @type {Promise<{code: number, why: string}>} */
    const outcome = new Promise((r) => (settle = r));
    const workbenchLog = path.join(server.runDir, 'workbench.log');
    await context.exposeFunction('codeAutomationLog', (/** @type {string} */ level, /** @type {unknown} */ args) => {
      const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
      try {
        fs.appendFileSync(workbenchLog, `[${level}] ${text}\n`);
      } catch {
        /* run folder removed */
      }
    });
    await context.exposeFunction('codeAutomationExit', (/** @type {unknown} */ code) =>
      settle({ code: typeof code === 'number' ? code : 1, why: 'extension host exited' }),
    );
    const page = await context.newPage();
    page.on('crash', () => settle({ code: 4, why: 'browser page crashed' }));
    void server.exitPromise.then((/** @type {{code: number | null, signal: string | null}} */ e) =>
      settle({ code: 5, why: `VS Code server exited (${e.signal || e.code})` }),
    );
    const timer = setTimeout(
      () => settle({ code: 3, why: `TIMEOUT: no result after ${timeoutSec} s (PLANET4_HOST_TIMEOUT)` }),
      timeoutSec * 1000,
    );
    /** @type {[string, string][]} */
    const payload = [
      ['extensionDevelopmentPath', server.remote(driver)],
      ['extensionTestsPath', server.remote(smoke)],
      ['extensionEnvironment', JSON.stringify(extEnv)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    await page.goto(workbenchUrl(server, { payload }), { waitUntil: 'domcontentloaded', timeout: 60000 });
    const { code, why } = await outcome;
    clearTimeout(timer);
    try {
      /** @type {{checks: Check[], vscodeVersion: string, appName: string, extensionPath?: string}} */
      const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      log(`VS Code ${r.vscodeVersion} (${r.appName}); the extension ran from ${r.extensionPath}`);
      checks.push(...r.checks);
    } catch {
      checks.push({ title: 'the smoke test ran in the extension host', ok: false, error: `no results: ${why}`, ms: 0 });
    }
    const errors = extHostErrors(server.userData, server.extensions);
    checks.push({
      title: 'the extension host logged no error of the extension',
      ok: errors.length === 0,
      ...(errors.length ? { error: errors.join('\n') } : {}),
      ms: 0,
    });
    return { checks, code, why };
  } finally {
    await stop();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-package-'));
  /** @type {Check[]} */
  let checks = [];
  let code = 0;
  try {
    const vsix = opts.vsix ? path.resolve(opts.vsix) : path.join(tmp, `${pkg.name}.vsix`);
    if (opts.vsix) {
      if (!fs.existsSync(vsix)) throw new HostError(`${vsix} not found`);
    } else {
      // a package that cannot be built is a failed check (vsce refuses e.g. a missing entry point), not a setup error
      const t0 = Date.now();
      try {
        packageProject(vsix);
        checks.push({ title: 'the project packages with vsce', ok: true, ms: Date.now() - t0 });
      } catch (e) {
        checks.push({
          title: 'the project packages with vsce',
          ok: false,
          error: e instanceof Error ? e.message : String(e),
          ms: 0,
        });
      }
    }
    if (fs.existsSync(vsix)) {
      log(`${path.basename(vsix)}: ${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB`);
      checks.push(...checkVsix(vsix));
      const host = await runInHost(vsix, opts);
      checks.push(...host.checks);
      code = host.code === 3 ? 3 : 0;
      if (host.code !== 0 && host.code !== 1) log(`host: ${host.why} (exit code ${host.code})`);
    }
    if (opts.keep) log(`kept ${tmp}`);
  } finally {
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const c of checks) {
    console.log(`  ${c.ok ? '✔' : '✘'} ${c.title}${c.ms >= 100 ? ` (${c.ms} ms)` : ''}`);
    if (!c.ok) console.log(`      ${String(c.error).split('\n').join('\n      ')}`);
  }
  const failed = checks.filter((c) => !c.ok);
  if (process.env.PLANET4_TEST_RESULTS) {
    const results = {
      passed: checks.length - failed.length,
      failed: failed.length,
      pending: 0,
      failures: failed.map((c) => ({ title: c.title, error: c.error ?? '' })),
      checks,
    };
    fs.writeFileSync(path.resolve(process.env.PLANET4_TEST_RESULTS), JSON.stringify(results, null, 2));
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`package: ${checks.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = code || (failed.length || !checks.length ? 1 : 0);
}

main().catch((e) => {
  console.error(`package.mjs: ${e instanceof HostError ? e.message : e?.stack || e}`);
  process.exit(2);
});
