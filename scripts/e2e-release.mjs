#!/usr/bin/env node
// The interactive release flow, driven like a person in a real VS Code 1.139 workbench against the sandbox:
// palette → "Planet 4: Create Release Tag…" → pick a site → accept the bot's version → read the confirmation →
// "Tag" → the tree shows the new release running. Saves docs/confirm-tag.png (the confirmation) and exits non-zero
// when a step does not show what it should.
//
//   node esbuild.js && node scripts/e2e-release.mjs [--site aotearoa] [--out docs]
import path from 'node:path';
import {
  log,
  openViewContainer,
  openWorkbench,
  runCommand,
  screenshot,
  startWorkbench,
  waitForTreeItems,
} from './lib/workbench.mjs';

/** The value after `name` on the command line, else `fallback`. @type {(name: string, fallback: string) => string} */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? /** @type {string} */ (process.argv[i + 1]) : fallback;
};
const site = arg('--site', 'aotearoa');
const out = arg('--out', 'docs');

const wb = await startWorkbench({ scenario: 'mixed', hardLimitSec: 300 });
const ui = await openWorkbench(wb, { width: 1440, height: 900 });
const page = ui.page;
let code = 0;
/** @type {(ok: boolean, what: string) => void} */
const check = (ok, what) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) code = 1;
};
try {
  await openViewContainer(page, 'Planet 4');
  await waitForTreeItems(page, { min: 1, timeoutMs: 45000 });
  const row = page.locator(`.part.sidebar .monaco-list-row[aria-label^="${site}:"]`).first();
  const before = (await row.getAttribute('aria-label')) ?? '';
  const tag = /v\d+(\.\d+)*/.exec(before)?.[0];
  check(/deployed/.test(before), `the tree shows ${site} deployed (${before})`);

  await runCommand(page, 'Planet 4: Create Release Tag…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(site);
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () =>
      /^v\d/.test(
        /** @type {HTMLInputElement | null} */ (document.querySelector('.quick-input-widget input'))?.value ?? '',
      ),
    null,
    {
      timeout: 15000,
    },
  );
  const proposed = await input.inputValue();
  const bumped = tag ? tag.replace(/(\d+)$/, (n) => String(Number(n) + 1)) : undefined;
  check(proposed === bumped, `the input box proposes the bot's next version ${proposed} (latest ${tag})`);
  await page.keyboard.press('Enter');

  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 15000 });
  const text = (await dialog.textContent()) ?? '';
  check(text.includes(`Tag ${site} ${proposed}?`), 'the confirmation names the site and the tag');
  check(/on main HEAD [0-9a-f]{7} "/.test(text), 'the confirmation names the commit');
  check(text.includes('Tag with [HOLD]'), 'the confirmation offers "Tag with [HOLD]"');
  await page.mouse.move(1200, 800);
  const file = await screenshot(page, path.join(out, 'confirm-tag.png'));
  log(`screenshot ${path.relative(process.cwd(), file)}`);
  await dialog.locator('a.monaco-button', { hasText: /^Tag$/ }).first().click();

  await page.waitForFunction(
    /** @param {(string | undefined)[]} arg */
    ([s, t]) =>
      [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) =>
        (r.getAttribute('aria-label') ?? '').startsWith(`${s}: ${t} · running`),
      ),
    [site, proposed],
    { timeout: 30000 },
  );
  check(true, `the tree shows ${site} ${proposed} running`);
} catch (e) {
  code = 1;
  console.error(`e2e: ${/** @type {Error | undefined} */ (e)?.stack || e}`);
  await screenshot(page, path.join(out, 'e2e-error.png')).catch(() => undefined);
} finally {
  await ui.close();
  await wb.stop();
}
process.exit(code);
