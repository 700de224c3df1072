/**
 * A harness for the visual report's webview in a real headless Chromium (playwright-core from the test host's
 * cache, see test/host/lib/tools.mjs): a local HTTP server serves the page made by the REAL `reportHtml` (its
 * CSP included), the bundled `dist/webview/report.js`, `media/` and a temp "job cache" folder of PNGs; an init
 * script stands in for VS Code's `acquireVsCodeApi` (records posted messages and states) and the test posts the
 * panel's messages with `window.postMessage`, built from the real BackstopJS report of the sandbox.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { extractJsonp, orderForDisplay, parseBackstopReport, type ReportTest } from '../../src/core/report/backstop';
import { makeNonce, reportHtml } from '../../src/webviews/report/html';
import {
  toViewTest,
  type HostMessage,
  type PanelState,
  type ReportHeader,
  type ViewImage,
  type ViewTest,
  type WebviewMessage,
} from '../../src/webviews/report/protocol';

export const HOSTILE_LABEL = '<img src=x onerror=alert(1)>';
export const HOSTILE_SELECTOR = '"><script>window.__pwned=1</script>';
/** The test whose label and selector are replaced by the hostile ones (a failure: near the top of the list). */
export const HOSTILE_KEY = 'acme_site_About_0_document_1_desktop.png';
export const SIZE_CHANGE_KEY = 'acme_site_About_0_document_0_phone.png';
export const MISSING_REFERENCE_KEY = 'acme_site_Contact_0_document_0_phone.png';
export const JOB_NUMBER = 4242;

// ------------------------------------------------------------------ the parts of playwright-core used here

export interface PwRequest {
  url(): string;
}
export interface PwDialog {
  message(): string;
  dismiss(): Promise<void>;
}
export interface PwPage {
  goto(url: string): Promise<unknown>;
  addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, opts?: { timeout?: number; polling?: number }): Promise<unknown>;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  click(selector: string): Promise<void>;
  focus(selector: string): Promise<void>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  on(event: 'request', fn: (r: PwRequest) => void): void;
  on(event: 'dialog', fn: (d: PwDialog) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  close(): Promise<void>;
}
interface PwContext {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
export interface PwBrowser {
  newContext(opts?: { viewport?: { width: number; height: number } }): Promise<PwContext>;
  close(): Promise<void>;
  on(event: 'disconnected', fn: () => void): void;
}
interface ToolsModule {
  locateTools(opts: { need: 'browser' | 'host' }): { playwrightPkg: string; chromium: string };
}
interface ServerModule {
  launchBrowser(tools: unknown): Promise<PwBrowser>;
}

// ------------------------------------------------------------------ what the stub records in the page

export interface Recorder {
  posted: WebviewMessage[];
  states: PanelState[];
  alerts: string[];
  violations: { directive: string; blocked: string; sample: string }[];
  acquired: number;
}

declare global {
  interface Window {
    __p4: Recorder;
    __pwned?: unknown;
    __injected?: unknown;
  }
}

// ------------------------------------------------------------------ paths

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const BACKSTOP = path.join(ROOT, 'resources/sandbox/backstop/small/backstop_data');

// ------------------------------------------------------------------ the report (real parser, hostile test)

/** The sandbox's real report, one test's label and selector made hostile, in display order. */
export function hostileReport(): ReportTest[] {
  const data = extractJsonp(fs.readFileSync(path.join(BACKSTOP, 'html_report/config.js'), 'utf8')) as {
    tests: { pair: { fileName: string; label: string; selector: string } }[];
  };
  const victim = data.tests.find((t) => t.pair.fileName === HOSTILE_KEY);
  if (!victim) throw new Error(`${HOSTILE_KEY} is not in the sandbox report`);
  victim.pair.label = HOSTILE_LABEL;
  victim.pair.selector = HOSTILE_SELECTOR;
  return orderForDisplay(parseBackstopReport(`report(${JSON.stringify(data)});`).tests);
}

export interface ViewOptions {
  /** Image paths still downloading (placeholders until an `images` message). */
  pending?: (imagePath: string, test: ReportTest) => boolean;
}

// ------------------------------------------------------------------ server + browser

export interface Harness {
  origin: string;
  cacheDir: string;
  browser: PwBrowser;
  /** A fake `vscode.Webview`: what the panel uses of it. */
  webview: { cspSource: string; asWebviewUri(fsPath: string): string };
  /** The HTML of the page, from the real `reportHtml`. */
  html: string;
  nonce: string;
  tests: ReportTest[];
  header: ReportHeader;
  /** Every request the server received (paths). */
  served: string[];
  /** The `ready` view as the panel builds it (images that exist in the cache get a webview URI). */
  readyMessage(opts?: ViewOptions): Extract<HostMessage, { type: 'update' }>;
  loadingMessage(): HostMessage;
  /** Image ids (paths) of the report whose file is in the cache folder. */
  cachedImage(imagePath: string): boolean;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.png': 'image/png',
  '.map': 'application/json',
};

export async function startHarness(): Promise<Harness> {
  const script = path.join(ROOT, 'dist/webview/report.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run node esbuild.js first`);

  const tests = hostileReport();
  // the job's cache folder: the report's images that exist in the sandbox (Contact's references do not)
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-webview-'));
  for (const t of tests) {
    for (const img of Object.values(t.images)) {
      if (!img.path) continue;
      const from = path.join(BACKSTOP, img.path);
      if (!fs.existsSync(from)) continue;
      fs.mkdirSync(path.dirname(path.join(cacheDir, img.path)), { recursive: true });
      fs.copyFileSync(from, path.join(cacheDir, img.path));
    }
  }

  const mounts: [prefix: string, dir: string][] = [
    ['/media/', path.join(ROOT, 'media')],
    ['/dist/webview/', path.join(ROOT, 'dist/webview')],
    ['/cache/', cacheDir],
  ];
  const served: string[] = [];
  let html = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    served.push(url.pathname);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': TYPES['.html'] ?? '' });
      res.end(html);
      return;
    }
    for (const [prefix, dir] of mounts) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = path.resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const webview = {
    cspSource: origin,
    asWebviewUri(fsPath: string): string {
      for (const [prefix, dir] of mounts) {
        const rel = path.relative(dir, fsPath);
        if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
          return `${origin}${prefix}${rel.split(path.sep).map(encodeURIComponent).join('/')}`;
        }
      }
      throw new Error(`${fsPath} is outside the webview's resource roots`);
    },
  };
  const nonce = makeNonce();
  html = reportHtml({
    cspSource: webview.cspSource,
    nonce,
    scriptUri: webview.asWebviewUri(script),
    styleUri: webview.asWebviewUri(path.join(ROOT, 'media/report.css')),
    codiconsUri: webview.asWebviewUri(path.join(ROOT, 'media/vendor/codicons/codicon.css')),
    title: 'acme',
  });

  let browser: PwBrowser;
  try {
    browser = await launch();
  } catch (e) {
    server.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
    throw e;
  }

  const header: ReportHeader = {
    site: 'acme',
    tag: 'v1.2.3',
    jobNumber: JOB_NUMBER,
    jobStatus: 'failed',
    durationMs: 95000,
    jobUrl: `https://app.circleci.com/pipelines/gh/greenpeace/planet4-acme/7/workflows/w/jobs/${JOB_NUMBER}`,
    onHold: ['hold-production'],
  };
  const cachedImage = (imagePath: string): boolean => fs.existsSync(path.join(cacheDir, imagePath));

  return {
    origin,
    cacheDir,
    browser,
    webview,
    html,
    nonce,
    tests,
    header,
    served,
    cachedImage,
    loadingMessage: () => ({
      type: 'update',
      header,
      view: { kind: 'loading', message: 'Loading the visual report…' },
    }),
    readyMessage(opts: ViewOptions = {}) {
      // as ReportViewModel.show does (src/webviews/report/viewModel.ts)
      let pendingImages = 0;
      let missingImages = 0;
      const view: ViewTest[] = tests.map((t) =>
        toViewTest(t, (_kind, img): ViewImage => {
          if (img.path && opts.pending?.(img.path, t)) {
            pendingImages++;
            return { pending: true, id: img.path };
          }
          if (img.path && cachedImage(img.path)) return { src: webview.asWebviewUri(path.join(cacheDir, img.path)) };
          missingImages++;
          return {
            error: img.error ?? `${img.path ?? img.reportPath} is not among the artifacts of job ${JOB_NUMBER}.`,
          };
        }),
      );
      const failed = tests.filter((t) => t.status === 'fail').length;
      return {
        type: 'update',
        header,
        view: {
          kind: 'ready',
          tests: view,
          passed: tests.length - failed,
          failed,
          missingImages,
          pendingImages,
        },
      };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/**
 * Close functions that the unit tests' root "after all" hook (scripts/lib/mocha-root-hooks.mjs) runs at the end
 * of the run: a browser whose `before` hook failed or timed out is closed there, never left running.
 */
const cleanups = ((globalThis as Record<symbol, unknown>)[Symbol.for('planet4.unit.cleanups')] ??= new Set<
  () => Promise<void>
>()) as Set<() => Promise<void>>;

/**
 * Headless Chromium through playwright-core from the test host's cache. The tools are only located here, never
 * installed (npm test installs them in its `tools` stage: `npm run test:tools`): missing, this fails at once and
 * says so. The browser is registered for closing at the end of the run until it is closed.
 */
export async function launch(): Promise<PwBrowser> {
  const importer = (spec: string): Promise<unknown> => import(spec);
  const lib = (name: string): string => pathToFileURL(path.join(ROOT, 'test/host/lib', name)).href;
  const tools = (await importer(lib('tools.mjs'))) as ToolsModule;
  const server = (await importer(lib('server.mjs'))) as ServerModule;
  const launching = server.launchBrowser(tools.locateTools({ need: 'browser' }));
  const close = async (): Promise<void> => {
    const browser = await launching.catch(() => undefined);
    await browser?.close().catch(() => undefined);
  };
  cleanups.add(close);
  const browser = await launching.catch((e: unknown) => {
    cleanups.delete(close);
    throw e;
  });
  browser.on('disconnected', () => cleanups.delete(close));
  return browser;
}

// ------------------------------------------------------------------ pages

export interface OpenOptions {
  /** What the stub's `getState` returns (a restored panel). */
  state?: PanelState;
  viewport?: { width: number; height: number };
}

export interface ReportPage {
  page: PwPage;
  /** URLs the page requested. */
  requests: string[];
  /** Dialogs the page opened (alert…) and uncaught page errors. */
  dialogs: string[];
  errors: string[];
  /** Posts a message as the panel would (`webview.postMessage`). */
  post(message: HostMessage): Promise<void>;
  recorder(): Promise<Recorder>;
  /** Resolves when the page has posted `n` messages matching `type` in all. */
  waitForPosted(type: WebviewMessage['type'], n?: number): Promise<void>;
  close(): Promise<void>;
}

/** The values VS Code puts on a webview's <html> (a subset of the Dark Modern theme's). */
const THEME: Record<string, string> = {
  '--vscode-font-family': 'sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-font-family': 'monospace',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-activeSelectionForeground': '#ffffff',
  '--vscode-list-inactiveSelectionBackground': '#37373d',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-errorForeground': '#f85149',
  '--vscode-testing-iconFailed': '#f14c4c',
  '--vscode-testing-iconPassed': '#73c991',
  '--vscode-widget-border': '#313131',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-button-background': '#0078d4',
};

/** Opens the page; the stub API is in place before its script runs. Does not send any host message. */
export async function openReport(h: Harness, opts: OpenOptions = {}): Promise<ReportPage> {
  const context = await h.browser.newContext({ viewport: opts.viewport ?? { width: 1000, height: 800 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(
    (arg: { state: PanelState | null; theme: Record<string, string> }) => {
      const rec: Recorder = { posted: [], states: [], alerts: [], violations: [], acquired: 0 };
      window.__p4 = rec;
      let state: unknown = arg.state ?? undefined;
      const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
      (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
        // like VS Code: once per document
        if (rec.acquired++ > 0) throw new Error('An instance of the VS Code API has already been acquired');
        return {
          postMessage: (m: WebviewMessage) => {
            rec.posted.push(copy(m));
          },
          getState: () => (state === undefined ? undefined : copy(state)),
          setState: (s: PanelState) => {
            state = copy(s);
            rec.states.push(copy(s));
            return s;
          },
        };
      };
      window.alert = (m?: unknown) => {
        rec.alerts.push(String(m));
      };
      document.addEventListener('securitypolicyviolation', (e) => {
        rec.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
      });
      // the theme's variables, as VS Code sets them (CSSOM: not subject to the page's CSP)
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(
        `:root { ${Object.entries(arg.theme)
          .map(([k, v]) => `${k}: ${v};`)
          .join(' ')} }`,
      );
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    },
    { state: opts.state ?? null, theme: THEME },
  );
  await page.goto(`${h.origin}/`);
  const rp: ReportPage = {
    page,
    requests,
    dialogs,
    errors,
    async post(message) {
      await page.evaluate((m: HostMessage) => {
        window.postMessage(m, '*');
      }, message);
    },
    recorder: () => page.evaluate(() => window.__p4),
    async waitForPosted(type, n = 1) {
      await page.waitForFunction(
        (a: { type: string; n: number }) => window.__p4.posted.filter((m) => m.type === a.type).length >= a.n,
        { type, n },
        { timeout: 5000 },
      );
    },
    close: () => context.close(),
  };
  return rp;
}

/** Opens the page and drives it as the panel does: `ready` → update(loading) → update(ready). */
export async function openReady(h: Harness, opts: OpenOptions & ViewOptions = {}): Promise<ReportPage> {
  const rp = await openReport(h, opts);
  await rp.waitForPosted('ready');
  await rp.post(h.loadingMessage());
  await rp.post(h.readyMessage(opts));
  await rp.page.waitForFunction(() => document.querySelector('.p4-list, .p4-detail') !== null, undefined, {
    timeout: 5000,
  });
  return rp;
}
