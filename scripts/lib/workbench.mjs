// A real VS Code 1.139.1 workbench with the Planet 4 extension installed, for the sandbox and for
// screenshots (docs/tree.png, docs/report.png, …). Same offline tools as the integration tests
// (test/host/lib): VS Code's server from code-server on Node 24, Debian's Chromium via playwright-core.
//
//   import { startWorkbench, openWorkbench, openViewContainer, runCommand, screenshot } from './lib/workbench.mjs';
//   const wb = await startWorkbench({ scenario: 'mixed' });         // server + extension, PLANET4_SANDBOX=1
//   const ui = await openWorkbench(wb);                              // headless Chromium 1440×900
//   await openViewContainer(ui.page, 'Planet 4');
//   await runCommand(ui.page, 'Planet 4: Open Visual Report');       // palette, by title
//   await screenshot(ui.page, 'docs/report.png');
//   await ui.close(); await wb.stop();
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, workbenchUrl } from '../../test/host/lib/server.mjs';
import { ensureTools, log } from '../../test/host/lib/tools.mjs';

/**
 * A playwright-core Page, Browser or BrowserContext: untyped, as playwright-core is no dependency of the project (the
 * host tools install it into their cache folder).
 * @typedef {any} Page
 * @typedef {any} Browser
 * @typedef {any} BrowserContext
 */
/** @typedef {Awaited<ReturnType<typeof startWorkbench>>} Workbench */

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export { log };

/** publisher.name-version, the folder name VS Code expects in --extensions-dir */
export function extensionFolderName() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    id: `${pkg.publisher}.${pkg.name}`,
    folder: `${pkg.publisher}.${pkg.name}-${pkg.version}`,
    version: pkg.version,
  };
}

/** Settings that keep a fresh profile quiet and reproducible (no welcome page, no chat panel, offline). */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
};

/**
 * Starts the VS Code server with this project installed as a regular extension (a symlink in the
 * server's --extensions-dir named publisher.name-version, so a rebuild + "Developer: Reload Window"
 * picks up changes) and PLANET4_SANDBOX=1 in the server's environment, which the extension host
 * inherits. Build first (node esbuild.js): the extension's main is dist/extension.js.
 *
 * @param {object} [o]
 * @param {string} [o.scenario]   PLANET4_SANDBOX_SCENARIO
 * @param {Record<string,string>} [o.env]  more environment for the server / extension host
 * @param {boolean} [o.sandbox]   set PLANET4_SANDBOX=1 (default true)
 * @param {boolean} [o.smokeTestDriver] --enable-smoke-test-driver (hides notification toasts; default false)
 * @param {boolean} [o.keep]      keep the temp folder
 * @param {number} [o.hardLimitSec] kill the server after this long even if this process dies (0: never)
 * @param {number} [o.port]       listen port on 127.0.0.1 (default: any free port)
 */
export async function startWorkbench({
  scenario,
  env = {},
  sandbox = true,
  smokeTestDriver = false,
  keep = false,
  hardLimitSec = 0,
  port = 0,
} = {}) {
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')))
    throw new Error('dist/extension.js not found: run "node esbuild.js" first');
  const tools = await ensureTools();
  const ext = extensionFolderName();
  const serverEnv = { ...env };
  if (sandbox) serverEnv.PLANET4_SANDBOX = '1';
  if (scenario) serverEnv.PLANET4_SANDBOX_SCENARIO = scenario;
  /** @type {string | undefined} */
  let workspaceDir;
  const server = await startServer({
    tools,
    smokeTestDriver,
    env: serverEnv,
    keep,
    hardLimitSec,
    port,
    prepare: (runDir, extensionsDir) => {
      fs.symlinkSync(root, path.join(extensionsDir, ext.folder), 'dir');
      // user settings: code-server's VS Code keeps the web client's user data in --user-data-dir
      const user = path.join(runDir, 'user-data', 'User');
      fs.mkdirSync(user, { recursive: true });
      fs.writeFileSync(path.join(user, 'settings.json'), JSON.stringify(QUIET_SETTINGS, null, 2));
      workspaceDir = path.join(runDir, 'workspace');
    },
  });
  return { ...server, tools, extension: ext, url: workbenchUrl(server, { folder: workspaceDir }) };
}

/**
 * Extensions the server sees in its extensions dir (`server-main.js --list-extensions`), e.g. ['greenpeace.planet4-pipelines@0.1.0'].
 * @param {Workbench} wb
 */
export function listExtensions(wb) {
  const r = spawnSync(
    wb.tools.nodeBin,
    [
      wb.tools.serverMain,
      '--list-extensions',
      '--show-versions',
      '--extensions-dir',
      wb.extensions,
      '--server-data-dir',
      wb.serverData,
      '--accept-server-license-terms',
    ],
    { encoding: 'utf8', timeout: 60000 },
  );
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[\w-]+\.[\w-]+@/.test(l));
}

/**
 * Opens the workbench in headless Chromium and waits until it is ready. Returns {browser, page, close}.
 * @param {Workbench} wb
 * @returns {Promise<{ browser: Browser; context: BrowserContext; page: Page; close: () => Promise<void> }>}
 */
export async function openWorkbench(wb, { width = 1440, height = 900, timeoutMs = 90000 } = {}) {
  const browser = await launchBrowser(wb.tools);
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (/** @type {Error} */ e) => log(`[browser:pageerror] ${e.message}`));
  await page.goto(wb.url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await waitForWorkbench(page, timeoutMs);
  return { browser, context, page, close: () => browser.close().catch(() => {}) };
}

/** Waits for the workbench shell, the activity bar and the end of the initial extension host start. @param {Page} page */
export async function waitForWorkbench(page, timeoutMs = 90000) {
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  await page.waitForSelector('.part.activitybar .action-item', { timeout: timeoutMs });
  // the extension's activity bar item appears once the extension host has registered contributions
  await page.waitForTimeout(1500);
}

/**
 * The activity bar item whose aria-label contains `label` (e.g. 'Planet 4'), or null.
 * @param {Page} page
 * @param {string} label
 */
export async function activityBarItem(page, label, timeoutMs = 30000) {
  const loc = page.locator(
    `.part.activitybar .action-item a[aria-label*="${label}"], .part.activitybar [aria-label*="${label}"]`,
  );
  try {
    await loc.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return loc.first();
  } catch {
    return null;
  }
}

/**
 * Runs a command from the command palette by its full title as the palette shows it
 * (e.g. 'View: Show Planet 4', 'Planet 4: Open Visual Report'). Retries while the command is not
 * listed yet (extensions still registering); throws after timeoutMs.
 * @param {Page} page
 * @param {string} title
 */
export async function runCommand(page, title, { timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const want = title.trim().toLowerCase();
  for (;;) {
    if (!(await input.isVisible().catch(() => false))) {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    }
    await input.fill(`>${title}`);
    await page.waitForTimeout(300);
    const index = await page.evaluate((/** @type {string} */ w) => {
      const rows = [...document.querySelectorAll('.quick-input-widget .monaco-list-row')];
      return rows.findIndex((r) => {
        const label = (r.getAttribute('aria-label') || '').toLowerCase();
        return label === w || label.startsWith(`${w},`);
      });
    }, want);
    if (index >= 0) {
      await page.locator('.quick-input-widget .monaco-list-row').nth(index).click();
      await page
        .locator('.quick-input-widget')
        .waitFor({ state: 'hidden', timeout: 5000 })
        .catch(() => {});
      return;
    }
    if (Date.now() > deadline) {
      await page.keyboard.press('Escape');
      throw new Error(`command palette: no command titled "${title}" within ${timeoutMs} ms`);
    }
    await page.waitForTimeout(500);
  }
}

/**
 * Opens a view container: clicks its activity bar item, falling back to 'View: Show <label>'.
 * @param {Page} page
 * @param {string} label
 */
export async function openViewContainer(page, label) {
  const item = await activityBarItem(page, label);
  if (item) {
    const checked = await item.getAttribute('aria-checked').catch(() => null);
    const expanded = await item.getAttribute('aria-expanded').catch(() => null);
    if (checked !== 'true' && expanded !== 'true') await item.click();
    await page.mouse.move(900, 500); // no hover tooltip over the activity bar in screenshots
  } else {
    log(`no activity bar item "${label}"; trying the palette`);
    await runCommand(page, `View: Show ${label}`);
  }
  await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 15000 });
  await page.waitForTimeout(300);
}

/**
 * Waits for tree items in the side bar, then for the tree to settle: no $(loading) icon, no
 * progress bar and the same text for `quietMs` ($(sync~spin) is fine: running pipelines). Returns {rows, settled}
 * (rows 0 when the view stays empty; settled false when still busy after timeoutMs).
 * @param {Page} page
 * @returns {Promise<{ rows: number; settled: boolean }>}
 */
export async function waitForTreeItems(page, { min = 1, timeoutMs = 30000, quietMs = 1500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const rows = page.locator('.part.sidebar .monaco-list-row');
  try {
    await page.waitForFunction(
      (/** @type {number} */ n) => document.querySelectorAll('.part.sidebar .monaco-list-row').length >= n,
      min,
      {
        timeout: timeoutMs,
      },
    );
  } catch {
    return { rows: await rows.count(), settled: false };
  }
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    const state = await page.evaluate(() => {
      const bar = document.querySelector('.part.sidebar');
      return {
        text: bar ? bar.textContent : '',
        busy: !!bar && !!bar.querySelector('.codicon-loading, .monaco-progress-container.active'),
      };
    });
    if (state.text !== last || state.busy) {
      last = state.text;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return { rows: await rows.count(), settled: true };
    await page.waitForTimeout(250);
  }
  return { rows: await rows.count(), settled: false };
}

/**
 * Saves a PNG of the page (or of `selector`), creating the folder. Returns the absolute path.
 * @param {Page} page
 * @param {string} file
 * @param {{ selector?: string }} [opts]
 */
export async function screenshot(page, file, { selector } = {}) {
  const out = path.resolve(root, file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (selector) await page.locator(selector).screenshot({ path: out });
  else await page.screenshot({ path: out });
  return out;
}
