/**
 * The visual report's webview in a real headless Chromium: the page of the real `reportHtml` (strict CSP), the
 * bundled `dist/webview/report.js`, a stub `acquireVsCodeApi`, and the panel's messages built from the sandbox's
 * real BackstopJS report (one test made hostile). See webviewHarness.ts.
 */
import * as assert from 'assert';
import {
  HOSTILE_KEY,
  HOSTILE_LABEL,
  HOSTILE_SELECTOR,
  JOB_NUMBER,
  MISSING_REFERENCE_KEY,
  SIZE_CHANGE_KEY,
  openReady,
  openReport,
  startHarness,
  type Harness,
  type PwPage,
  type ReportPage,
} from './webviewHarness';
import {
  isWebviewMessage,
  type LandedViewImage,
  type PanelState,
  type WebviewMessage,
} from '../../src/webviews/report/protocol';

interface OptionInfo {
  key: string;
  id: string;
  selected: boolean;
  fail: boolean;
  label: string;
  group: string;
}

/** The list's entries, in order. */
function options(page: PwPage): Promise<OptionInfo[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('[role="option"]')).map((el) => ({
      key: el.dataset.key ?? '',
      id: el.id,
      selected: el.getAttribute('aria-selected') === 'true',
      fail: el.classList.contains('p4-fail'),
      label: el.querySelector('.p4-label')?.textContent ?? '',
      group: el.closest('[role="group"]')?.querySelector('.p4-group-label')?.textContent ?? '',
    })),
  );
}

async function selectedKey(page: PwPage): Promise<string | undefined> {
  return (await options(page)).find((o) => o.selected)?.key;
}

/** Waits until the list shows `n` entries. */
async function waitForCount(page: PwPage, n: number): Promise<void> {
  await page.waitForFunction((count: number) => document.querySelectorAll('[role="option"]').length === count, n, {
    timeout: 3000,
  });
}

/** Lets pending events (messages, violations, image loads) run. */
function settle(page: PwPage): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => setTimeout(r, 50)));
}

interface FocusInfo {
  tag: string;
  cls: string;
  outline: string;
  shadow: string;
}

/** The focused element (through shadow roots) and its focus style; `of` = another element's style instead. */
function focusStyle(page: PwPage, of?: string): Promise<FocusInfo> {
  return page.evaluate((sel: string | null) => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const target = sel ? document.querySelector(sel) : el;
    const s = target ? getComputedStyle(target) : undefined;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      cls: el?.getAttribute('class') ?? '',
      outline: s ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : '',
      shadow: s?.boxShadow ?? '',
    };
  }, of ?? null);
}

function assertVisibleFocus(f: FocusInfo, what: string): void {
  assert.ok(
    !f.outline.startsWith('none') || (f.shadow !== '' && f.shadow !== 'none'),
    `${what} has no visible focus style (outline ${f.outline}, box-shadow ${f.shadow})`,
  );
}

function lastState(states: PanelState[]): PanelState {
  const s = states.at(-1);
  assert.ok(s, 'setState was never called');
  return s;
}

function wants(posted: WebviewMessage[]): string[][] {
  return posted.flatMap((m) => (m.type === 'want' ? [m.ids] : []));
}

describe('report webview in Chromium', function () {
  this.timeout(30000);
  let h: Harness;
  const pages: ReportPage[] = [];
  const open = async (...args: Parameters<typeof openReady>): Promise<ReportPage> => {
    const rp = await openReady(...args);
    pages.push(rp);
    return rp;
  };

  before(async function () {
    this.timeout(120000);
    h = await startHarness();
  });
  afterEach(async () => {
    for (const rp of pages.splice(0)) {
      assert.deepStrictEqual(rp.errors, [], 'uncaught errors in the page');
      await rp.close();
    }
  });
  after(async () => {
    await h.close();
  });

  it('shows hostile labels and selectors as text: no element, no script, no alert', async () => {
    const rp = await open(h);
    const { page } = rp;
    const entry = await page.evaluate((key: string) => {
      const el = document.querySelector<HTMLElement>(`[role="option"][data-key="${key}"]`);
      return {
        label: el?.querySelector('.p4-label')?.textContent,
        selector: el?.querySelector('.p4-selector')?.textContent,
        aria: el?.getAttribute('aria-label'),
        group: el?.closest('[role="group"]')?.querySelector('.p4-group-label')?.textContent,
      };
    }, HOSTILE_KEY);
    assert.strictEqual(entry.label, HOSTILE_LABEL);
    assert.strictEqual(entry.selector, HOSTILE_SELECTOR);
    assert.strictEqual(entry.group, HOSTILE_LABEL);
    assert.ok(entry.aria?.includes(HOSTILE_LABEL), String(entry.aria));

    // the detail shows it too (heading, facts)
    await page.click(`[role="option"][data-key="${HOSTILE_KEY}"]`);
    await page.waitForFunction(() => document.querySelector('.p4-detail') !== null, undefined, { timeout: 3000 });
    const detail = await page.evaluate(() => ({
      h2: document.querySelector('.p4-detail h2')?.textContent ?? '',
      facts: Array.from(document.querySelectorAll('.p4-facts dd')).map((d) => d.textContent),
    }));
    assert.ok(detail.h2.includes(HOSTILE_LABEL), detail.h2);
    assert.ok(detail.facts.includes(HOSTILE_SELECTOR), JSON.stringify(detail.facts));

    await settle(page);
    const dom = await page.evaluate(() => ({
      text: document.body.textContent,
      imgX: document.querySelectorAll('img[src="x"]').length,
      scripts: document.querySelectorAll('script').length,
      pwned: window.__pwned,
      alerts: window.__p4.alerts,
    }));
    assert.ok(dom.text.includes('<img src=x'), 'the label is shown as text');
    assert.strictEqual(dom.imgX, 0, 'no <img src=x> element');
    assert.strictEqual(dom.scripts, 1, 'only the page script');
    assert.strictEqual(dom.pwned, undefined, 'window.__pwned is never set');
    assert.deepStrictEqual(dom.alerts, [], 'alert() was never called');
    assert.deepStrictEqual(rp.dialogs, [], 'no dialog opened');
    assert.ok(!h.served.includes('/x'), 'nothing requested the hostile src');
  });

  it('enforces its CSP: nonce script only, no injected inline script runs, no request leaves the server', async () => {
    const rp = await open(h);
    const { page } = rp;
    const meta = await page.evaluate(() => ({
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
      nonces: Array.from(document.scripts).map((s) => s.nonce),
      violations: window.__p4.violations,
      thumbs: Array.from(document.querySelectorAll<HTMLImageElement>('img.p4-thumb')).map((i) => ({
        src: i.src,
        loaded: i.complete && i.naturalWidth > 0,
      })),
    }));
    assert.ok(meta.csp.includes("default-src 'none'"), meta.csp);
    assert.ok(meta.csp.includes(`script-src 'nonce-${h.nonce}'`), meta.csp);
    assert.ok(meta.csp.includes(`img-src ${h.origin}`), meta.csp);
    assert.ok(!meta.csp.includes('unsafe-inline') && !meta.csp.includes('unsafe-eval'), meta.csp);
    assert.deepStrictEqual(meta.nonces, [h.nonce], 'the page script carries the nonce');
    assert.deepStrictEqual(meta.violations, [], 'the page itself breaks no rule of its CSP');

    // an inline script without the nonce, added to the DOM: blocked and reported
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1;';
      document.body.append(s);
      const t = document.createElement('script');
      t.textContent = 'window.__injected = 2;';
      t.setAttribute('nonce', 'not-the-nonce');
      document.body.append(t);
    });
    await page.waitForFunction(() => window.__p4.violations.length >= 2, undefined, { timeout: 3000 });
    const after = await page.evaluate(() => ({ injected: window.__injected, violations: window.__p4.violations }));
    assert.strictEqual(after.injected, undefined, 'the injected script did not run');
    assert.ok(
      after.violations.every((v) => v.directive.startsWith('script-src') && v.blocked === 'inline'),
      JSON.stringify(after.violations),
    );

    // the images come from the server (allowed by img-src) and load
    assert.ok(meta.thumbs.length > 0, 'the list shows thumbnails');
    for (const t of meta.thumbs) {
      assert.ok(t.src.startsWith(`${h.origin}/cache/`), t.src);
      await page.waitForFunction((src: string) => {
        const img = Array.from(document.images).find((i) => i.src === src);
        return !!img && img.complete && img.naturalWidth > 0;
      }, t.src);
    }
    // every request went to the test server, among them the script, the styles and the codicon font
    const foreign = rp.requests.filter((u) => !u.startsWith(`${h.origin}/`));
    assert.deepStrictEqual(foreign, [], 'requests to other hosts');
    for (const p of ['/dist/webview/report.js', '/media/report.css', '/media/vendor/codicons/codicon.css']) {
      assert.ok(
        rp.requests.some((u) => u === `${h.origin}${p}`),
        `${p} was requested: ${rp.requests.join(' ')}`,
      );
    }
  });

  it('lists 12 tests, failures first, grouped by scenario; filters and search change the entries', async () => {
    const rp = await open(h);
    const { page } = rp;
    const list = await options(page);
    assert.strictEqual(list.length, 12);
    assert.deepStrictEqual(
      list.map((o) => o.fail),
      [true, true, true, true, false, false, false, false, false, false, false, false],
      'failures first',
    );
    // one group per scenario, in display order; each entry in its own scenario's group
    const groups = await page.evaluate(() =>
      Array.from(document.querySelectorAll('[role="group"]')).map((g) => ({
        label: g.querySelector('.p4-group-label')?.textContent ?? '',
        count: g.querySelector('.p4-group-count')?.textContent ?? '',
        entries: g.querySelectorAll('[role="option"]').length,
      })),
    );
    assert.deepStrictEqual(
      groups.map((g) => [g.label, g.entries, g.count]),
      [
        ['About', 1, '1 failed of 1'],
        [HOSTILE_LABEL, 1, '1 failed of 1'],
        ['Contact', 2, '2 failed of 2'],
        ['Home', 2, '2 passed'],
        ['Pricing', 2, '2 passed'],
        ['Home header', 4, '4 passed'],
      ],
    );
    for (const o of list) assert.strictEqual(o.label, o.group, `${o.key} is in its scenario's group`);

    const counts = await page.evaluate(() => ({
      passed: document.querySelector('.p4-count-passed')?.textContent ?? '',
      failed: document.querySelector('.p4-count-failed')?.textContent ?? '',
      radios: Array.from(document.querySelectorAll('vscode-radio')).map((r) => r.textContent.trim()),
    }));
    assert.match(counts.passed, /\b8 passed/);
    assert.match(counts.failed, /\b4 failed/);
    assert.deepStrictEqual(counts.radios, ['Failed (4)', 'Passed (8)', 'All (12)']);

    await page.click('vscode-radio[value="failed"]');
    await waitForCount(page, 4);
    assert.ok((await options(page)).every((o) => o.fail));
    await page.click('vscode-radio[value="passed"]');
    await waitForCount(page, 8);
    assert.ok((await options(page)).every((o) => !o.fail));
    await page.click('vscode-radio[value="all"]');
    await waitForCount(page, 12);

    const search = async (text: string): Promise<void> => {
      await page.click('vscode-textfield');
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      if (text) await page.keyboard.type(text);
    };
    await search('pricing');
    await waitForCount(page, 2);
    assert.deepStrictEqual(
      (await options(page)).map((o) => o.label),
      ['Pricing', 'Pricing'],
    );
    await search('DESKTOP');
    await waitForCount(page, 6);
    assert.ok((await options(page)).every((o) => o.key.endsWith('desktop.png')));
    await search('home');
    await waitForCount(page, 6);
    await search('zzz');
    await waitForCount(page, 0);
    assert.strictEqual(await page.evaluate(() => document.querySelector('.p4-empty')?.textContent), 'No test matches.');
    // search and filter together
    await search('phone');
    await waitForCount(page, 6);
    await page.click('vscode-radio[value="failed"]');
    await waitForCount(page, 2);
    assert.deepStrictEqual(
      (await options(page)).map((o) => o.key),
      [SIZE_CHANGE_KEY, MISSING_REFERENCE_KEY],
    );
    await search('');
    await waitForCount(page, 4);
  });

  it('is keyboard driven: ↓/↑ j/k, Enter, 1/2/3, s, Esc; focus is visible', async () => {
    const rp = await open(h);
    const { page } = rp;
    const keys = (await options(page)).map((o) => o.key);
    assert.strictEqual(await selectedKey(page), keys[0], 'the first entry is selected');

    const expectSelected = async (i: number, after: string): Promise<void> => {
      const s = await page.evaluate(() => {
        const lb = document.querySelector('[role="listbox"]');
        const sel = document.querySelector('[role="option"][aria-selected="true"]');
        return {
          focused: document.activeElement === lb,
          active: lb?.getAttribute('aria-activedescendant'),
          id: sel?.id,
          key: sel?.getAttribute('data-key'),
          n: document.querySelectorAll('[role="option"][aria-selected="true"]').length,
        };
      });
      assert.strictEqual(s.key, keys[i], `after ${after}`);
      assert.strictEqual(s.n, 1, 'one entry selected');
      assert.ok(s.focused, `the listbox has the focus after ${after}`);
      assert.strictEqual(s.active, s.id, 'aria-activedescendant names the selected entry');
    };
    await page.keyboard.press('ArrowDown');
    await expectSelected(1, '↓');
    await page.keyboard.press('j');
    await expectSelected(2, 'j');
    await page.keyboard.press('ArrowUp');
    await expectSelected(1, '↑');
    await page.keyboard.press('k');
    await expectSelected(0, 'k');
    await page.keyboard.press('k');
    await expectSelected(0, 'k at the top');
    await page.keyboard.press('End');
    await expectSelected(11, 'End');
    await page.keyboard.press('Home');
    await expectSelected(0, 'Home');
    // the list's focus shows on its selected entry
    assertVisibleFocus(await focusStyle(page, '[role="option"][aria-selected="true"]'), 'the selected entry');
    // / goes to the search field, where j/k are text; Esc comes back
    await page.keyboard.press('/');
    assert.strictEqual((await focusStyle(page)).tag, 'input', 'the search field has the focus');
    await page.keyboard.press('j');
    await page.keyboard.press('Escape');
    assert.strictEqual(await page.evaluate(() => document.querySelector('.p4-empty')?.textContent), 'No test matches.');
    assert.strictEqual((await focusStyle(page)).cls, 'p4-list', 'Esc in the search field: back to the list');
    await page.keyboard.press('/');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Escape');
    await waitForCount(page, 12);
    await expectSelected(0, 'the search cleared');

    // Enter: the detail of the selected entry (the hostile one: it has all three images)
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    const detail = (): Promise<{ figures: string[]; slider: boolean; pressed: string[]; h2: string; pos: string }> =>
      page.evaluate(() => ({
        figures: Array.from(document.querySelectorAll('.p4-detail figure')).map((f) =>
          f.className.replace('p4-figure p4-figure-', ''),
        ),
        slider: document.querySelector('.p4-slider input[type="range"]') !== null,
        pressed: Array.from(document.querySelectorAll('.p4-modes [aria-pressed="true"]')).map((b) =>
          b.textContent.trim(),
        ),
        h2: document.querySelector('.p4-detail h2')?.textContent ?? '',
        pos: document.querySelector('.p4-position')?.textContent ?? '',
      }));
    let d = await detail();
    assert.ok(d.h2.includes(HOSTILE_LABEL), d.h2);
    assert.deepStrictEqual(d.figures, ['reference', 'test', 'diff'], 'side by side');
    assert.strictEqual(d.pos, '2 of 12');
    assert.strictEqual((await focusStyle(page)).cls, 'p4-detail', 'the detail has the focus');

    for (const [key, figure, label] of [
      ['1', 'reference', 'Reference'],
      ['2', 'test', 'Test'],
      ['3', 'diff', 'Diff'],
    ] as const) {
      await page.keyboard.press(key);
      d = await detail();
      assert.deepStrictEqual(d.figures, [figure], `key ${key}`);
      assert.deepStrictEqual(d.pressed, [label], `key ${key}: the pressed mode button`);
    }
    await page.keyboard.press('s');
    d = await detail();
    assert.ok(d.slider, 's shows the slider');
    assert.deepStrictEqual(d.pressed, ['Slider']);
    await page.keyboard.press('s');
    d = await detail();
    assert.ok(!d.slider, 's again hides the slider');
    assert.deepStrictEqual(d.figures, ['reference', 'test', 'diff']);

    // j/k in the detail move to the neighbours
    await page.keyboard.press('j');
    assert.strictEqual((await detail()).pos, '3 of 12');
    await page.keyboard.press('k');
    assert.strictEqual((await detail()).pos, '2 of 12');

    // Tab reaches the detail's buttons, with a visible focus
    await page.keyboard.press('Tab');
    const f = await focusStyle(page);
    assert.notStrictEqual(f.cls, 'p4-detail', 'Tab moved the focus');
    assertVisibleFocus(f, `the focused ${f.tag}`);
    await page.evaluate(() => document.querySelector<HTMLElement>('.p4-detail')?.focus());

    await page.keyboard.press('Escape');
    await waitForCount(page, 12);
    await expectSelected(1, 'Esc');
    assertVisibleFocus(await focusStyle(page, '[role="option"][aria-selected="true"]'), 'the selected entry');
  });

  it('keeps its filter and selection with setState and restores them from getState', async () => {
    const rp = await open(h);
    const { page } = rp;
    await page.click('vscode-radio[value="failed"]');
    await waitForCount(page, 4);
    assert.strictEqual(lastState((await rp.recorder()).states).filter, 'failed', 'the filter is saved at once');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.strictEqual(await selectedKey(page), MISSING_REFERENCE_KEY);
    const saved = lastState((await rp.recorder()).states);
    assert.strictEqual(saved.filter, 'failed');
    assert.strictEqual(saved.selected, MISSING_REFERENCE_KEY);
    assert.strictEqual(saved.site, 'acme');
    assert.strictEqual(saved.jobNumber, JOB_NUMBER);

    // a reloaded webview gets that state back
    const again = await open(h, { state: saved });
    const restored = await options(again.page);
    assert.strictEqual(restored.length, 4, 'the failed filter is restored');
    assert.strictEqual(await selectedKey(again.page), MISSING_REFERENCE_KEY, 'the selection is restored');
    assert.ok(
      await again.page.evaluate(() =>
        Boolean((document.querySelector('vscode-radio[value="failed"]') as { checked?: boolean } | null)?.checked),
      ),
      'the Failed radio is checked',
    );

    // the detail and its image mode are restored too
    const detail = await open(h, { state: { ...saved, detail: true, mode: 'diff' } });
    const shown = await detail.page.evaluate(() => ({
      figures: Array.from(document.querySelectorAll('.p4-detail figure')).map((f) => f.className),
      pos: document.querySelector('.p4-position')?.textContent,
    }));
    assert.deepStrictEqual(shown.figures, ['p4-figure p4-figure-diff']);
    assert.strictEqual(shown.pos, '3 of 4');

    // the state of another job: the filter stays, the selection is dropped
    const other = await open(h, { state: { ...saved, jobNumber: JOB_NUMBER - 1 } });
    assert.strictEqual((await options(other.page)).length, 4);
    assert.strictEqual(await selectedKey(other.page), SIZE_CHANGE_KEY, 'the first entry, not the old selection');
    assert.strictEqual(lastState((await other.recorder()).states).jobNumber, JOB_NUMBER);
  });

  it('shows a missing reference with its error and no diff, and a size change', async () => {
    const rp = await open(h);
    const { page } = rp;
    const missingError = h.tests.find((t) => t.key === MISSING_REFERENCE_KEY)?.error;
    assert.ok(missingError?.startsWith('Reference file not found') === true, missingError);

    const entry = (key: string): Promise<{ error?: string; size?: string; thumb?: string; aria?: string }> =>
      page.evaluate((k: string) => {
        const el = document.querySelector(`[role="option"][data-key="${k}"]`);
        return {
          error: el?.querySelector('.p4-error')?.textContent.trim(),
          size: el?.querySelector('.p4-size')?.textContent ?? undefined,
          thumb: el?.querySelector('img')?.getAttribute('src') ?? undefined,
          aria: el?.getAttribute('aria-label') ?? undefined,
        };
      }, key);
    const m = await entry(MISSING_REFERENCE_KEY);
    assert.strictEqual(m.error, missingError);
    assert.ok(m.aria?.includes(`error: ${missingError}`), m.aria);
    assert.ok(m.thumb && !m.thumb.includes('diff'), `the thumbnail is the test image, not a diff: ${m.thumb}`);

    const s = await entry(SIZE_CHANGE_KEY);
    assert.strictEqual(s.size, 'size changed: width 0 px, height -168 px');
    assert.strictEqual((await entry(HOSTILE_KEY)).size, undefined, 'same dimensions: no size change shown');

    const facts = (): Promise<Record<string, string>> =>
      page.evaluate(() => {
        const out: Record<string, string> = {};
        for (const dt of Array.from(document.querySelectorAll('.p4-facts dt'))) {
          out[dt.textContent] = dt.nextElementSibling?.textContent ?? '';
        }
        return out;
      });
    await page.click(`[role="option"][data-key="${MISSING_REFERENCE_KEY}"]`);
    await page.waitForFunction(() => document.querySelector('.p4-detail') !== null, undefined, { timeout: 3000 });
    const f = await facts();
    assert.strictEqual(f.Error, missingError);
    assert.strictEqual(f.Mismatch, 'not compared');
    const figures = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.p4-detail figure')).map((fig) => ({
        kind: fig.className.replace('p4-figure p4-figure-', ''),
        img: fig.querySelector('img')?.getAttribute('src') ?? null,
        text: fig.querySelector('.p4-noimage')?.textContent ?? null,
      })),
    );
    const [ref, test, diff] = figures;
    assert.strictEqual(ref?.img, null, 'no reference image');
    assert.ok(ref.text?.includes('is not among the artifacts'), String(ref.text));
    assert.ok(test?.img?.startsWith(`${h.origin}/cache/`), String(test?.img));
    assert.strictEqual(diff?.img, null, 'no diff image');
    assert.ok(diff.text?.startsWith('No diff'), String(diff.text));

    await page.keyboard.press('Escape');
    await page.click(`[role="option"][data-key="${SIZE_CHANGE_KEY}"]`);
    await page.waitForFunction(() => document.querySelector('.p4-detail') !== null, undefined, { timeout: 3000 });
    const g = await facts();
    assert.strictEqual(g.Size, 'size changed: width 0 px, height -168 px');
    assert.strictEqual(g.Mismatch, '20.69 % (threshold 0.10 %)');
  });

  it('shows placeholders for images on their way, wants those near the viewport, swaps them in', async () => {
    // every image is still downloading; a short window, so that the list's end is more than a screen away
    const rp = await open(h, { pending: (p) => h.cachedImage(p), viewport: { width: 900, height: 240 } });
    const { page } = rp;
    const ready = h.readyMessage({ pending: (p) => h.cachedImage(p) });
    assert.ok(ready.view.kind === 'ready' && ready.view.pendingImages > 20, 'most images are pending');

    const placeholders = (): Promise<{ id: string; top: number }[]> =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('.p4-thumb-pending[data-image-id]')).map((el) => ({
          id: el.dataset.imageId ?? '',
          top: el.getBoundingClientRect().top + window.scrollY,
        })),
      );
    const before = await placeholders();
    assert.strictEqual(before.length, 12, 'one placeholder per entry');
    assert.strictEqual(await page.evaluate(() => document.querySelectorAll('img.p4-thumb').length), 0);
    assert.match(
      await page.evaluate(() => document.getElementById('p4-images-status')?.textContent ?? ''),
      /\d+ images loading/,
    );

    await rp.waitForPosted('want');
    const viewportHeight = 240;
    const first = wants((await rp.recorder()).posted)[0] ?? [];
    const far = before.filter((p) => p.top > 3 * viewportHeight);
    assert.ok(far.length > 0, 'the test needs placeholders far below the viewport');
    for (const id of first) {
      const p = before.find((x) => x.id === id);
      assert.ok(p, `${id} is a placeholder`);
      assert.ok(p.top < 2 * viewportHeight + 50, `${id} (at ${p.top}px) is near the viewport`);
    }
    assert.ok(first.includes(before[0]?.id ?? ''), 'the first placeholder is wanted');
    for (const p of far) assert.ok(!first.includes(p.id), `${p.id} (at ${p.top}px) is not wanted yet`);

    // scrolled to the end: the rest are wanted
    await page.evaluate(() => {
      window.scrollTo(0, document.documentElement.scrollHeight);
    });
    await rp.waitForPosted('want', 2);
    const all = wants((await rp.recorder()).posted).flat();
    for (const p of far) assert.ok(all.includes(p.id), `${p.id} is wanted after scrolling`);

    // the host sends what landed: the placeholders become images with the webview URI; a failure removes its own
    const landed: LandedViewImage[] = before.slice(0, 3).map((p) => ({
      id: p.id,
      src: h.webview.asWebviewUri(`${h.cacheDir}/${p.id}`),
    }));
    const failedId = before[3]?.id ?? '';
    await rp.post({
      type: 'images',
      images: [...landed, { id: failedId, error: 'Could not download it: 404' }],
      pendingImages: 10,
      missingImages: 1,
    });
    await page.waitForFunction(
      (ids: string[]) => ids.every((id) => !document.querySelector(`[data-image-id="${id}"]`)),
      [...landed.map((l) => l.id), failedId],
      { timeout: 3000 },
    );
    const thumbs = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('img.p4-thumb')).map((i) => i.getAttribute('src')),
    );
    assert.deepStrictEqual(
      thumbs,
      landed.map((l) => l.src),
    );
    assert.ok(landed[0]?.src?.startsWith(`${h.origin}/cache/`));
    assert.strictEqual((await placeholders()).length, 12 - 4);
    const status = await page.evaluate(() => document.getElementById('p4-images-status')?.textContent ?? '');
    assert.match(status, /\b10 images loading/);
    assert.match(status, /\b1 image unavailable/);

    // the detail of an entry still downloading: its images are wanted first, then swapped in
    const pendingEntry = h.tests.find((t) => t.key === 'acme_site_Pricing_0_document_0_phone.png');
    assert.ok(pendingEntry);
    const ids = ['reference', 'test'].map((k) => pendingEntry.images[k as 'reference' | 'test']?.path ?? '');
    const wantsBefore = wants((await rp.recorder()).posted).length;
    await page.evaluate((key: string) => {
      document.querySelector<HTMLElement>(`[role="option"][data-key="${key}"]`)?.click();
    }, pendingEntry.key);
    await rp.waitForPosted('want', wantsBefore + 1);
    const detailWant = wants((await rp.recorder()).posted).at(-1) ?? [];
    assert.deepStrictEqual(detailWant.slice(0, 2), ids, 'the detail images come first');
    assert.strictEqual(await page.evaluate(() => document.querySelectorAll('.p4-detail .p4-pending').length), 2);
    await rp.post({
      type: 'images',
      images: ids.map((id) => ({ id, src: h.webview.asWebviewUri(`${h.cacheDir}/${id}`) })),
      pendingImages: 8,
      missingImages: 1,
    });
    await page.waitForFunction(() => document.querySelectorAll('.p4-detail figure img').length === 2, undefined, {
      timeout: 3000,
    });
    const srcs = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.p4-detail figure img')).map((i) => i.src),
    );
    assert.deepStrictEqual(
      srcs,
      ids.map((id) => h.webview.asWebviewUri(`${h.cacheDir}/${id}`)),
    );
  });

  it('posts ready once, before any host message, and acquires the API once', async () => {
    const rp = await openReport(h);
    pages.push(rp);
    await rp.waitForPosted('ready');
    const rec = await rp.recorder();
    assert.deepStrictEqual(rec.posted, [{ type: 'ready' }]);
    assert.strictEqual(rec.acquired, 1);
    assert.match(await rp.page.evaluate(() => document.body.textContent), /Loading the visual report/);
  });
});

describe('report webview: the approve button names the workflow it shows', function () {
  this.timeout(30000);
  let h: Harness;
  before(async function () {
    this.timeout(120000);
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('posts approve with the header’s workflowId (so approving is refused once the latest release changed)', async () => {
    const rp = await openReady(h);
    try {
      const workflowId = '81956077-97b9-46df-8e50-20b98c5c66ad';
      const ready = h.readyMessage();
      await rp.post({ ...ready, header: { ...ready.header, onHold: ['hold-production'], workflowId } });
      await rp.page.click('[aria-label="Approve hold-production: release to production"]');
      await rp.waitForPosted('approve');
      const approve = (await rp.recorder()).posted.filter((m) => m.type === 'approve');
      assert.deepStrictEqual(approve, [{ type: 'approve', job: 'hold-production', workflowId }]);
      assert.strictEqual(isWebviewMessage(approve[0]), true);
      assert.strictEqual(isWebviewMessage({ type: 'approve', job: 'hold-production', workflowId: '../x' }), false);
      assert.deepStrictEqual(rp.errors, []);
    } finally {
      await rp.close();
    }
  });
});
