// Starts VS Code's own server (lib/vscode/out/server-main.js from code-server's package, on Node 24)
// on 127.0.0.1 with a random port and fresh temp folders, in its own process group, and opens
// Debian's Chromium through playwright-core. Shared by test/host/run.mjs (integration tests),
// scripts/sandbox.mjs and scripts/lib/workbench.mjs (screenshots).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError, loadPlaywright, log } from './tools.mjs';

/** Every live server's process group, killed on any exit of this process. */
/** @type {Set<number>} */
const liveGroups = new Set();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Environment for the server (and so the extension host): ours minus anything from a parent VS Code.
 * @param {Record<string, string>} extra
 */
function serverEnv(extra) {
  const ours = Object.entries(process.env).filter(
    ([k]) => !(k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k.startsWith('npm_')),
  );
  return { ...Object.fromEntries(ours), ...extra };
}

/**
 * @param {object} opts
 * @param {import('./tools.mjs').ToolPaths} opts.tools
 * @param {boolean} [opts.smokeTestDriver]  --enable-smoke-test-driver (needed for the test `payload`)
 * @param {Record<string,string>} [opts.env] extra environment for the server and its extension hosts
 * @param {number} [opts.hardLimitSec]      kill the whole server after this long even if we die (0: never)
 * @param {(runDir: string, extensionsDir: string) => void} [opts.prepare] called before the start
 * @param {boolean} [opts.keep]             keep the temp folder (logs, user data)
 * @param {number} [opts.port]              listen port (default 0: any free port)
 */
export async function startServer({
  tools,
  smokeTestDriver = true,
  env = {},
  hardLimitSec = 0,
  prepare,
  keep,
  port: wantPort = 0,
}) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-host-'));
  const dirs = {
    userData: path.join(runDir, 'user-data'),
    serverData: path.join(runDir, 'server-data'),
    extensions: path.join(runDir, 'extensions'),
    workspace: path.join(runDir, 'workspace'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  if (prepare) prepare(runDir, dirs.extensions);
  const logFile = path.join(runDir, 'server.log');
  /** @param {Buffer} d */
  const appendLog = (d) => {
    try {
      fs.appendFileSync(logFile, d);
    } catch {
      /* run folder already removed */
    }
  };

  const serverArgs = [
    tools.serverMain,
    '--host',
    '127.0.0.1',
    '--port',
    String(wantPort),
    '--without-connection-token',
    '--accept-server-license-terms',
    ...(smokeTestDriver ? ['--enable-smoke-test-driver'] : []),
    '--disable-telemetry',
    '--disable-workspace-trust',
    '--server-data-dir',
    dirs.serverData,
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
  ];
  // `timeout` (coreutils) is a safety net: if this process is SIGKILLed and cannot clean up,
  // the server group still ends after hardLimitSec.
  const [cmd, args] =
    hardLimitSec > 0
      ? ['timeout', ['--kill-after=10', String(hardLimitSec), tools.nodeBin, ...serverArgs]]
      : [tools.nodeBin, serverArgs];
  // detached: the server, its extension hosts, file watchers and pty host form one process group we own
  const child = spawn(cmd, args, {
    cwd: runDir,
    env: serverEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = /** @type {number} */ (child.pid);
  liveGroups.add(pgid);
  /** @type {{ code: number | null; signal: NodeJS.Signals | null } | null} */
  let exited = null;
  /** @type {Promise<{ code: number | null; signal: NodeJS.Signals | null }>} */
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      liveGroups.delete(pgid);
      resolve(exited);
    }),
  );

  const port = await new Promise((resolve, reject) => {
    /** @type {string | null} */
    let buf = '';
    /** @param {Buffer} d */
    const onData = (d) => {
      appendLog(d);
      if (buf === null) return;
      buf += d.toString();
      const m = /Extension host agent listening on (\d+)/.exec(buf);
      if (m) {
        buf = null;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(
      () => reject(new HostError(`server did not report its port within 90 s; log: ${logFile}`)),
      90000,
    );
    exitPromise.then((e) => {
      clearTimeout(timer);
      if (buf !== null) {
        process.stderr.write(fs.readFileSync(logFile, 'utf8').slice(-3000));
        reject(new HostError(`server exited before listening (${e.signal || `exit ${e.code}`}); log: ${logFile}`));
      }
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });

  async function stop() {
    if (!exited) {
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 3000))]);
    }
    // also reaps helpers (extension host, watchers) that outlive the main process
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
    liveGroups.delete(pgid);
    if (keep) log(`kept ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
  }

  const authority = `127.0.0.1:${port}`;
  return {
    port,
    authority,
    baseUrl: `http://${authority}/`,
    runDir,
    ...dirs,
    logFile,
    pgid,
    exitPromise,
    /** vscode-remote URI string for an absolute path on this machine */
    remote: (/** @type {string} */ p) => `vscode-remote://${authority}${path.resolve(p)}`,
    stop,
  };
}

/**
 * Headless Debian Chromium, as proven by the recipe: a playwright-core Browser (untyped, see loadPlaywright).
 * @param {import('./tools.mjs').ToolPaths} tools
 * @returns {Promise<any>}
 */
export async function launchBrowser(tools) {
  const { chromium } = loadPlaywright(tools);
  return chromium.launch({
    executablePath: tools.chromium,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * The workbench URL for a server, a folder and an optional smoke-test payload ([key, value] pairs).
 * @param {{ baseUrl: string; workspace: string }} server
 * @param {{ folder?: string; payload?: [string, string][] }} [opts]
 */
export function workbenchUrl(server, { folder = server.workspace, payload } = {}) {
  const u = new URL(server.baseUrl);
  u.searchParams.set('folder', path.resolve(folder));
  if (payload) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}
