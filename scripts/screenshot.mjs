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
  runCommand,
  screenshot,
  startWorkbench,
  waitForTreeItems,
} from './lib/workbench.mjs';

/** @typedef {import('./lib/workbench.mjs').Page} Page */

/** Drags the sash between the side bar and the editor so that descriptions are readable. @type {(page: Page, width: number) => Promise<void>} */
async function widenSideBar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(300);
}

/** Expands the tree row of a site (rows are labelled "<site>: <description>"). @type {(page: Page, site: string) => Promise<void>} */
async function expandSite(page, site) {
  const row = page.locator(`.part.sidebar .monaco-list-row[aria-label^="${site}:"]`).first();
  await row.waitFor({ state: 'visible', timeout: 15000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await page.waitForTimeout(400);
}

/**
 * Approves planet4-base's hold-release from its tree row (the sandbox starts with the platform release waiting on it,
 * at 30× speed), answers the modal confirmation, and waits until the wave is half-way.
 * @type {(page: Page) => Promise<void>}
 */
async function platformWave(page) {
  const node = page.locator('.part.sidebar .monaco-list-row[aria-label^="Platform release"]').first();
  await node.waitFor({ state: 'visible', timeout: 15000 });
  if ((await node.getAttribute('aria-expanded')) !== 'true') await node.click();
  const hold = page.locator('.part.sidebar .monaco-list-row[aria-label^="hold-release"]').first();
  await hold.waitFor({ state: 'visible', timeout: 15000 });
  await hold.hover();
  await hold.locator('.action-label[aria-label^="Approve"]').first().click();
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Approve hold-release' }).first();
  await confirm.waitFor({ state: 'visible', timeout: 15000 });
  await page.waitForTimeout(500);
  await screenshot(page, path.join(opts.out, 'confirm-platform.png'));
  await confirm.click();
  // 30× speed: 53 sites 30 s apart take ~54 s; half-way, with the first releases running or waiting
  await page.waitForTimeout(35000);
  const waveRow = page.locator('.part.sidebar .monaco-list-row[aria-label^="Wave"]').first();
  if ((await waveRow.getAttribute('aria-expanded').catch(() => null)) === 'false') await waveRow.click();
  await page.mouse.move(1200, 800);
  await page.waitForTimeout(1500);
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ out: string; scenario: string; keep: boolean }} */
  const o = { out: 'docs', scenario: process.env.PLANET4_SANDBOX_SCENARIO || 'mixed', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--out') o.out = /** @type {string} */ (argv[++i]);
    else if (a === '--scenario') o.scenario = /** @type {string} */ (argv[++i]);
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
  await widenSideBar(ui.page, 600);
  // a site held by visual differences and the one mid-rollback, expanded (the mixed scenario's roles)
  for (const site of ['brasil', 'africa'])
    await expandSite(ui.page, site).catch((e) => log(`expand ${site}: ${e.message}`));
  await ui.page.mouse.move(1200, 800);
  await ui.page.waitForTimeout(500);
  const file = await screenshot(ui.page, path.join(opts.out, 'tree.png'));
  console.log(`screenshot: ${path.relative(root, file)} (1440×900, ${rows} tree rows)`);

  // the visual report of the site held by visual differences
  await runCommand(ui.page, 'Planet 4: Open Visual Report');
  const pick = ui.page.locator('.quick-input-widget input');
  await pick.waitFor({ state: 'visible', timeout: 15000 });
  await pick.fill('brasil');
  await ui.page.waitForTimeout(400);
  await ui.page.keyboard.press('Enter');
  const frame = ui.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await frame.locator('body').waitFor({ state: 'visible', timeout: 30000 });
  await ui.page.waitForTimeout(4000);
  const report = await screenshot(ui.page, path.join(opts.out, 'report.png'));
  console.log(`screenshot: ${path.relative(root, report)}`);
  // the detail of the first entry (failures come first): reference | test | diff
  await frame.locator('[role="option"]').first().click();
  await ui.page.keyboard.press('Enter');
  await ui.page.waitForTimeout(2500);
  const detail = await screenshot(ui.page, path.join(opts.out, 'report-detail.png'));
  console.log(`screenshot: ${path.relative(root, detail)}`);

  // the platform release: approve hold-release from its row, then the wave mid-way and its report
  await ui.page.keyboard.press('Escape');
  await runCommand(ui.page, 'View: Close All Editors').catch((e) => log(`close editors: ${e.message}`));
  await platformWave(ui.page);
  const platform = await screenshot(ui.page, path.join(opts.out, 'platform.png'));
  console.log(`screenshot: ${path.relative(root, platform)}`);
  await runCommand(ui.page, 'Planet 4: Open Wave Report');
  const wave = ui.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await wave.locator('body').waitFor({ state: 'visible', timeout: 30000 });
  await ui.page.waitForTimeout(3000);
  const waveReport = await screenshot(ui.page, path.join(opts.out, 'wave-report.png'));
  console.log(`screenshot: ${path.relative(root, waveReport)}`);
} catch (e) {
  console.error(`screenshot: ${/** @type {Error | undefined} */ (e)?.stack || e}`);
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
