#!/usr/bin/env node
// npm run sandbox (after node esbuild.js): VS Code with this extension running against the
// simulated Planet 4 (the extension starts its in-process sandbox when it sees PLANET4_SANDBOX=1).
//
//   node scripts/sandbox.mjs [--scenario NAME] [--port N] [--web]
//
// * With a desktop `code` on PATH (and no --web): opens a new window with
//   --extensionDevelopmentPath=<this project>, environment PLANET4_SANDBOX=1.
// * Otherwise: starts VS Code 1.139.1's server (same offline tools as the integration tests,
//   cached in ~/.cache/planet4-pipelines/host) with the project installed in its extensions dir
//   and PLANET4_SANDBOX=1 in its environment; prints the URL to open in a browser; runs until Ctrl-C.
//   From another machine: ssh -L N:127.0.0.1:N host, then open the printed URL.
import { spawn, spawnSync } from 'node:child_process';
import { listExtensions, log, root, startWorkbench } from './lib/workbench.mjs';

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ scenario?: string; port: number; web: boolean }} */
  const o = { scenario: process.env.PLANET4_SANDBOX_SCENARIO, port: 0, web: false };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--scenario') o.scenario = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--web') o.web = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/sandbox.mjs [--scenario NAME] [--port N] [--web]');
      process.exit(0);
    } else {
      console.error(`sandbox: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const env = { PLANET4_SANDBOX: '1', ...(opts.scenario ? { PLANET4_SANDBOX_SCENARIO: opts.scenario } : {}) };

const hasCode = !opts.web && spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  console.log(`sandbox: opening desktop VS Code with --extensionDevelopmentPath=${root} (PLANET4_SANDBOX=1)`);
  const child = spawn('code', [`--extensionDevelopmentPath=${root}`, '--new-window'], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const wb = await startWorkbench({ env, port: opts.port });
  const installed = listExtensions(wb);
  if (!installed.some((e) => e.startsWith(`${wb.extension.id}@`))) {
    console.error(
      `sandbox: the server does not list ${wb.extension.id} (it lists: ${installed.join(', ') || 'nothing'})`,
    );
    await wb.stop();
    process.exit(1);
  }
  log(`server lists ${installed.join(', ')}`);
  console.log('');
  console.log(
    `  Planet 4 sandbox: VS Code ${'1.139.1'} with ${wb.extension.id} ${wb.extension.version}${opts.scenario ? `, scenario ${opts.scenario}` : ''}`,
  );
  console.log(`  open  ${wb.url}`);
  console.log(
    `  (rebuild with "node esbuild.js" and run "Developer: Reload Window" to pick up changes; Ctrl-C to stop)`,
  );
  console.log('');
  let stopping = false;
  /** @param {string} sig */
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping the server`);
    await wb.stop();
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stop(sig));
  const e = await wb.exitPromise;
  if (!stopping) {
    console.error(`sandbox: the VS Code server exited (${e.signal || e.code}); log: ${wb.logFile}`);
    process.exit(1);
  }
}
