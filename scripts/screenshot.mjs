#!/usr/bin/env node
// Screenshots of the extension in a real VS Code 1.139.1 workbench against the simulated Planet 4.
//
//   node esbuild.js && node scripts/screenshot.mjs [--out docs] [--scenario mixed] [--keep]
//
// Starts the server like scripts/sandbox.mjs (PLANET4_SANDBOX=1, PLANET4_SANDBOX_SCENARIO), opens it
// in headless Chromium at 1440×900, opens the "Planet 4" activity bar container, waits for the tree
// and saves <out>/tree.png. Building blocks for more shots: scripts/lib/workbench.mjs.
import path from 'node:path';
import {
  log,
  openViewContainer,
  openWorkbench,
  root,
  screenshot,
  startWorkbench,
  waitForTreeItems,
} from './lib/workbench.mjs';

function parseArgs(argv) {
  const o = { out: 'docs', scenario: process.env.PLANET4_SANDBOX_SCENARIO || 'mixed', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = argv[++i];
    else if (a === '--scenario') o.scenario = argv[++i];
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/screenshot.mjs [--out docs] [--scenario mixed] [--keep]');
      process.exit(0);
    } else {
      console.error(`screenshot: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const wb = await startWorkbench({ scenario: opts.scenario, keep: opts.keep, hardLimitSec: 600 });
let ui;
let code = 0;
try {
  log(`workbench at ${wb.url} (scenario ${opts.scenario})`);
  ui = await openWorkbench(wb, { width: 1440, height: 900 });
  await openViewContainer(ui.page, 'Planet 4');
  const { rows, settled } = await waitForTreeItems(ui.page, { min: 1, timeoutMs: 45000 });
  log(`side bar shows ${rows} tree row(s)${settled ? '' : ' (still changing after 45 s: taking the shot anyway)'}`);
  const file = await screenshot(ui.page, path.join(opts.out, 'tree.png'));
  console.log(`screenshot: ${path.relative(root, file)} (1440×900, ${rows} tree rows)`);
} catch (e) {
  console.error(`screenshot: ${e?.stack || e}`);
  if (ui) {
    const file = await screenshot(ui.page, path.join(opts.out, 'screenshot-error.png')).catch(() => null);
    if (file) console.error(`screenshot: page at the time of the error: ${path.relative(root, file)}`);
  }
  code = 1;
} finally {
  if (ui) await ui.close();
  await wb.stop();
}
process.exit(code);
