#!/usr/bin/env node
// Installs the test host tools (Node 24, code-server's VS Code 1.139.1 server, playwright-core)
// into $PLANET4_HOST_CACHE (default ~/.cache/planet4-pipelines/host), or checks that they are
// there: the `tools` stage of npm test, before the unit tests, which only locate them.
//
//   node scripts/host-tools.mjs        (npm run test:tools)
//
// A fresh install takes 2–3 minutes (most of it compiling VS Code's native modules) and reports
// its progress every 20 s; with the tools in the cache it ends in a second or two.
// Exit status: 0 ready, 2 could not install (the message says why), 130/143 interrupted.
import { HostError, ensureTools, log, stopInstalls, toolPaths } from '../test/host/lib/tools.mjs';

for (const [sig, code] of /** @type {const} */ ([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
])) {
  process.on(sig, () => {
    log(`${sig}: stopping the install`);
    stopInstalls();
    process.exit(code);
  });
}

try {
  log(`tools folder ${toolPaths().dir}`);
  const p = await ensureTools();
  log(`ready: Node 24 ${p.nodeBin}`);
  log(`ready: VS Code server ${p.serverMain}`);
  log(`ready: playwright-core ${p.driverDir}; browser ${p.chromium}`);
} catch (e) {
  console.error(`host-tools: ${e instanceof HostError ? e.message : /** @type {Error | undefined} */ (e)?.stack || e}`);
  process.exit(2);
}
