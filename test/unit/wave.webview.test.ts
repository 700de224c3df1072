/**
 * The wave report's webview in a real headless Chromium: the page of the real `waveHtml` (strict CSP, nonce), the
 * bundled `dist/webview/wave.js`, a stub `acquireVsCodeApi` recording what the page posts, and the panel's messages
 * posted with `window.postMessage` (one site and one tag made hostile). The browser comes from webviewHarness.ts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { makeNonce } from '../../src/webviews/report/html';
import { waveHtml } from '../../src/webviews/wave/html';
import type { WaveHostMessage, WaveRowView, WaveWebviewMessage } from '../../src/webviews/wave/protocol';
import { launch, repoRoot, type PwBrowser, type PwPage } from './webviewHarness';

const ROOT = repoRoot();
const HOSTILE_SITE = '<img src=x onerror=alert(1)>';
const HOSTILE_TAG = 'v26.17.0"><img src=x onerror="window.__pwned=1">';

interface WaveRecorder {
  posted: WaveWebviewMessage[];
  alerts: string[];
  violations: { directive: string; blocked: string }[];
}

declare global {
  interface Window {
    __wave: WaveRecorder;
  }
}

const ROWS: WaveRowView[] = [
  {
    site: 'africa',
    tag: 'v1.4.2',
    outcome: 'deployed',
    outcomeWords: 'deployed',
    needsPerson: false,
    hasPipeline: true,
  },
  {
    site: 'belgium',
    tag: 'v2.0.7',
    outcome: 'visual-differences',
    outcomeWords: 'waiting: visual differences',
    needsPerson: true,
    hasPipeline: true,
  },
  {
    site: HOSTILE_SITE,
    tag: HOSTILE_TAG,
    outcome: 'failed',
    outcomeWords: '<b>failed</b>',
    needsPerson: true,
    hasPipeline: true,
  },
  { site: 'denmark', outcome: 'not-tagged', outcomeWords: 'not tagged yet', needsPerson: false, hasPipeline: false },
];

function update(rows: WaveRowView[], nextSite?: string): Extract<WaveHostMessage, { type: 'update' }> {
  return {
    type: 'update',
    title: 'Platform release v26.17.0 · live',
    summary: '3 of 4 sites tagged · 1 remaining · 2 sites need a person',
    counts: '1 deployed · 1 waiting: visual differences · 1 failed · 1 not tagged yet',
    rows,
    ...(nextSite === undefined ? {} : { nextSite }),
    labels: {
      site: 'Site',
      tag: 'New tag',
      outcome: 'Outcome',
      pipeline: 'Pipeline',
      report: 'Visual report',
      next: nextSite ? `Next waiting site: ${nextSite}` : 'Next waiting site',
      copy: 'Copy as Markdown',
      none: 'No site has been tagged yet.',
    },
  };
}

interface RowInfo {
  site: string | null;
  outcome: string | null;
  need: boolean;
  cells: string[];
  actions: (string | undefined)[];
}

function rows(page: PwPage): Promise<RowInfo[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('table.p4-wave tbody tr')).map((tr) => ({
      site: tr.getAttribute('data-site'),
      outcome: tr.getAttribute('data-outcome'),
      need: tr.classList.contains('p4-need'),
      cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.trim()),
      actions: Array.from(tr.querySelectorAll<HTMLElement>('vscode-button')).map((b) => b.dataset.action),
    })),
  );
}

describe('wave report webview in Chromium', function () {
  this.timeout(30000);
  let browser: PwBrowser;
  let server: http.Server;
  let origin = '';
  const nonce = makeNonce();
  const served: string[] = [];
  const opened: { close(): Promise<void> }[] = [];
  let errors: string[] = [];
  let requests: string[] = [];

  before(async function () {
    this.timeout(120000);
    const script = path.join(ROOT, 'dist/webview/wave.js');
    if (!fs.existsSync(script)) throw new Error(`${script} is missing: run node esbuild.js first`);
    let html = '';
    const mounts: [prefix: string, dir: string][] = [
      ['/media/', path.join(ROOT, 'media')],
      ['/dist/webview/', path.join(ROOT, 'dist/webview')],
    ];
    const types: Record<string, string> = {
      '.js': 'text/javascript; charset=utf-8',
      '.css': 'text/css; charset=utf-8',
      '.ttf': 'font/ttf',
      '.map': 'application/json',
    };
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      served.push(url.pathname);
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
        return;
      }
      for (const [prefix, dir] of mounts) {
        if (!url.pathname.startsWith(prefix)) continue;
        const file = path.resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
        if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
        res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    html = waveHtml({
      cspSource: origin,
      nonce,
      scriptUri: `${origin}/dist/webview/wave.js`,
      styleUri: `${origin}/media/wave.css`,
      codiconsUri: `${origin}/media/vendor/codicons/codicon.css`,
      title: 'Wave v26.17.0',
    });
    browser = await launch();
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    assert.deepStrictEqual(errors, [], 'uncaught errors in the page');
  });
  after(async () => {
    await browser.close().catch(() => undefined);
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  /** Opens the page with the stub VS Code API; resolves once it has posted `ready`. */
  async function open(): Promise<PwPage> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    opened.push(context);
    const page = await context.newPage();
    errors = [];
    requests = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.addInitScript(() => {
      const rec: WaveRecorder = { posted: [], alerts: [], violations: [] };
      window.__wave = rec;
      (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
        postMessage: (m: WaveWebviewMessage) => {
          rec.posted.push(JSON.parse(JSON.stringify(m)) as WaveWebviewMessage);
        },
        getState: () => undefined,
        setState: (s: unknown) => s,
      });
      window.alert = (m?: unknown) => {
        rec.alerts.push(String(m));
      };
      document.addEventListener('securitypolicyviolation', (e) => {
        rec.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI });
      });
    }, undefined);
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.__wave.posted.some((m) => m.type === 'ready'), undefined, {
      timeout: 5000,
    });
    return page;
  }

  async function post(page: PwPage, m: WaveHostMessage): Promise<void> {
    await page.evaluate((msg: WaveHostMessage) => {
      window.postMessage(msg, '*');
    }, m);
  }

  async function showWave(page: PwPage, nextSite?: string): Promise<void> {
    await post(page, update(ROWS, nextSite));
    await page.waitForFunction(
      (n: number) => document.querySelectorAll('table.p4-wave tbody tr').length === n,
      ROWS.length,
      { timeout: 5000 },
    );
  }

  const posted = (page: PwPage): Promise<WaveWebviewMessage[]> => page.evaluate(() => window.__wave.posted);

  it("renders every site's row from the posted state, hostile strings as text", async () => {
    const page = await open();
    await showWave(page, 'belgium');
    const shown = await rows(page);
    assert.deepStrictEqual(
      shown.map((r) => [r.site, r.outcome, r.need, r.cells.slice(0, 3)]),
      ROWS.map((r) => [r.site, r.outcome, r.needsPerson, [r.site, r.tag ?? '—', r.outcomeWords]]),
      'one row per site, in order: site, new tag (— when none), outcome in words',
    );
    assert.deepStrictEqual(
      shown.map((r) => r.actions),
      ROWS.map((r) => (r.hasPipeline ? ['openPipeline', 'openReport'] : [])),
      'pipeline and visual report buttons only for a site with a pipeline',
    );
    const header = await page.evaluate(() => ({
      title: document.querySelector('h1')?.textContent,
      summary: document.querySelector('.p4-summary')?.textContent,
      counts: document.querySelector('.p4-counts')?.textContent,
      heads: Array.from(document.querySelectorAll('th')).map((th) => th.textContent),
    }));
    assert.deepStrictEqual(header, {
      title: 'Platform release v26.17.0 · live',
      summary: '3 of 4 sites tagged · 1 remaining · 2 sites need a person',
      counts: '1 deployed · 1 waiting: visual differences · 1 failed · 1 not tagged yet',
      heads: ['Site', 'New tag', 'Outcome', ''],
    });
    // the hostile site, tag and words are text: no element made from them, nothing ran
    await page.evaluate(() => new Promise<void>((r) => setTimeout(r, 100)));
    const dom = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('#app b').length,
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      alerts: window.__wave.alerts,
    }));
    assert.deepStrictEqual(dom, { imgs: 0, bold: 0, pwned: undefined, alerts: [] });
    assert.ok(!requests.some((u) => u.includes('/x')), `no request for the hostile image: ${requests.join(', ')}`);

    // a new state replaces the table; an empty wave says so
    await post(page, update([]));
    await page.waitForFunction(() => document.querySelector('table.p4-wave') === null, undefined, { timeout: 5000 });
    assert.strictEqual(
      await page.evaluate(() => document.querySelector('.p4-status')?.textContent),
      'No site has been tagged yet.',
    );
    await post(page, { type: 'empty', message: 'No platform release wave yet.' });
    await page.waitForFunction(() => document.querySelector('header') === null, undefined, { timeout: 5000 });
    assert.strictEqual(
      await page.evaluate(() => document.querySelector('#app')?.textContent),
      'No platform release wave yet.',
    );
  });

  it('its buttons post the right messages: visual report with the site, next waiting site, copy markdown', async () => {
    const page = await open();
    await showWave(page, 'belgium');
    const button = (site: string, action: string): string =>
      `tr[data-site="${site}"] vscode-button[data-action="${action}"]`;

    await page.click(button('belgium', 'openReport'));
    await page.click(button('africa', 'openPipeline'));
    await page.click('.p4-toolbar vscode-button[data-action="next"]');
    await page.click('.p4-toolbar vscode-button[data-action="copyMarkdown"]');
    // the hostile site's button posts its name as it is (the panel refuses it: isWaveWebviewMessage)
    await page.evaluate((site: string) => {
      const tr = Array.from(document.querySelectorAll('tr')).find((r) => r.getAttribute('data-site') === site);
      tr?.querySelector<HTMLElement>('vscode-button[data-action="openReport"]')?.click();
    }, HOSTILE_SITE);
    await page.waitForFunction(() => window.__wave.posted.length >= 6, undefined, { timeout: 5000 });
    assert.deepStrictEqual(await posted(page), [
      { type: 'ready' },
      { type: 'openReport', site: 'belgium' },
      { type: 'openPipeline', site: 'africa' },
      { type: 'next' },
      { type: 'copyMarkdown' },
      { type: 'openReport', site: HOSTILE_SITE },
    ]);
    const next = await page.evaluate(() => {
      const b = document.querySelector('.p4-toolbar vscode-button[data-action="next"]');
      return { text: b?.textContent, label: b?.getAttribute('aria-label'), disabled: b?.hasAttribute('disabled') };
    });
    assert.deepStrictEqual(next, { text: 'Next waiting site: belgium', label: 'belgium', disabled: false });

    // the host's answer to copy shows in the status line
    await post(page, { type: 'copied', message: 'Copied as Markdown.' });
    await page.waitForFunction(
      () => document.querySelector('.p4-copied')?.textContent === 'Copied as Markdown.',
      undefined,
      { timeout: 5000 },
    );

    // no site waiting: the next button is disabled and posts nothing
    await showWave(page);
    assert.strictEqual(
      await page.evaluate(() =>
        document.querySelector('.p4-toolbar vscode-button[data-action="next"]')?.hasAttribute('disabled'),
      ),
      true,
    );
    await page.evaluate(() => {
      document.querySelector<HTMLElement>('.p4-toolbar vscode-button[data-action="next"]')?.click();
    });
    await page.evaluate(() => new Promise<void>((r) => setTimeout(r, 100)));
    assert.strictEqual(
      (await posted(page)).filter((m) => m.type === 'next').length,
      1,
      'a disabled button posts nothing',
    );
  });

  it('has its CSP meta with the nonce: only the nonce script runs, every request stays on the server', async () => {
    const page = await open();
    await showWave(page, 'belgium');
    const meta = await page.evaluate(() => ({
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
      nonces: Array.from(document.scripts).map((s) => s.nonce),
      violations: window.__wave.violations,
    }));
    assert.ok(meta.csp.includes("default-src 'none'"), meta.csp);
    assert.ok(meta.csp.includes(`script-src 'nonce-${nonce}'`), meta.csp);
    assert.ok(meta.csp.includes(`style-src ${origin}`), meta.csp);
    assert.ok(!meta.csp.includes('unsafe-inline') && !meta.csp.includes('unsafe-eval'), meta.csp);
    assert.deepStrictEqual(meta.nonces, [nonce], 'the page script carries the nonce');
    assert.deepStrictEqual(meta.violations, [], 'the page itself breaks no rule of its CSP');

    // an inline script without the nonce (or with another one): blocked and reported
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1;';
      document.body.append(s);
      const t = document.createElement('script');
      t.textContent = 'window.__injected = 2;';
      t.setAttribute('nonce', 'not-the-nonce');
      document.body.append(t);
    });
    await page.waitForFunction(() => window.__wave.violations.length >= 2, undefined, { timeout: 3000 });
    assert.strictEqual(
      await page.evaluate(() => (window as unknown as { __injected?: unknown }).__injected),
      undefined,
      'the injected script did not run',
    );
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`));
    assert.deepStrictEqual(foreign, [], 'requests to other hosts');
    for (const p of ['/dist/webview/wave.js', '/media/wave.css', '/media/vendor/codicons/codicon.css']) {
      assert.ok(served.includes(p), `${p} was served`);
    }
  });
});
