// The report panel's trust boundaries, run in Node on a small stand-in for the `vscode` module: a restored panel's
// state (written by the webview) is checked before anything is read or requested; `planet4.report.cacheLimitMB` is
// read from the user's settings only, never below its minimum; a folder shown in a panel is never pruned.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiError } from '../../src/core/api/errors';
import type { SiteSnapshot } from '../../src/core/fleet/types';
import { jobCacheDir, loadReport, MARKER_FILE, type ArtifactSource } from '../../src/core/report/loader';
import type { HostMessage, ReportView } from '../../src/webviews/report/protocol';

// ------------------------------------------------------------------ a stand-in for the parts of `vscode` the panel uses

class Uri {
  constructor(readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri(path.resolve(p));
  }
  static joinPath(u: Uri, ...segments: string[]): Uri {
    return new Uri(path.join(u.fsPath, ...segments));
  }
  static parse(s: string): Uri {
    return new Uri(s);
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

class FakeWebviewPanel {
  title = '';
  iconPath: unknown;
  disposed = false;
  readonly messages: HostMessage[] = [];
  private readonly onDispose: (() => void)[] = [];
  readonly webview = {
    options: {},
    html: '',
    cspSource: 'vscode-webview:',
    asWebviewUri: (u: Uri) => ({ toString: () => `webview:${u.fsPath}` }),
    postMessage: (m: HostMessage) => {
      this.messages.push(m);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: () => ({ dispose: () => undefined }),
  };
  reveal(): void {
    // shown
  }
  onDidDispose(fn: () => void): { dispose(): void } {
    this.onDispose.push(fn);
    return { dispose: () => undefined };
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const fn of this.onDispose) fn();
  }
  /** The view of the last `update` message. */
  get view(): ReportView | undefined {
    const updates = this.messages.filter((m) => m.type === 'update');
    const last = updates[updates.length - 1];
    return last?.type === 'update' ? last.view : undefined;
  }
}

/** `planet4.report.cacheLimitMB` as `inspect` reports it; `get` returns the merged value, as VS Code does. */
const setting: { workspaceValue?: unknown; globalValue?: unknown; defaultValue: unknown } = { defaultValue: 500 };

const fakeVscode = {
  Uri,
  ThemeIcon: class {
    constructor(readonly id: string) {}
  },
  ViewColumn: { Active: -1 },
  ProgressLocation: { Notification: 15, Window: 10 },
  window: {
    createWebviewPanel: () => new FakeWebviewPanel(),
    withProgress: <T>(_o: unknown, task: (p: unknown, t: unknown) => Promise<T>): Promise<T> =>
      task({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) }),
    showErrorMessage: () => Promise.resolve(undefined),
  },
  workspace: {
    getConfiguration: () => ({
      get: (key: string, fallback?: unknown) =>
        key === 'report.cacheLimitMB'
          ? (setting.workspaceValue ?? setting.globalValue ?? setting.defaultValue)
          : fallback,
      inspect: (key: string) => (key === 'report.cacheLimitMB' ? { key, ...setting } : undefined),
    }),
  },
  commands: { executeCommand: () => Promise.resolve(undefined) },
  env: { openExternal: () => Promise.resolve(true) },
};

// the bundle loads `vscode` with require(): answer it with the stand-in (the panel module is imported lazily below)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module') as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = Module._load;
Module._load = function (this: unknown, request: string, ...rest: unknown[]): unknown {
  if (request === 'vscode') return fakeVscode;
  return originalLoad.call(this, request, ...rest);
};

type PanelModule = typeof import('../../src/webviews/report/panel');

// ------------------------------------------------------------------ a fleet, a CircleCI client, services

function config(names: string[]): string {
  const tests = names.map((name) => ({
    status: 'fail',
    pair: {
      label: 'Home',
      viewportLabel: 'phone',
      fileName: name,
      reference: `../bitmaps_reference/${name}`,
      test: `../bitmaps_test/1/${name}`,
    },
  }));
  return `report(${JSON.stringify({ testSuite: 'BackstopJS', id: 'p', tests })});`;
}

/** Every job has the same two-test report; `requests` records every call. */
function recordingClient(): ArtifactSource & { requests: string[] } {
  const files = new Map<string, string>([['x/backstop_data/html_report/config.js', config(['a.png', 'b.png'])]]);
  for (const n of ['a.png', 'b.png']) {
    files.set(`x/backstop_data/bitmaps_reference/${n}`, `ref ${n}`);
    files.set(`x/backstop_data/bitmaps_test/1/${n}`, `test ${n}`);
  }
  const body = (url: string): Buffer => {
    const content = files.get(url.slice('https://h/'.length));
    if (content === undefined) throw new ApiError('circleci', 'notFound', 'Not found');
    return Buffer.from(content);
  };
  const client = {
    requests: [] as string[],
    listArtifacts: (slug: string, job: number) => {
      client.requests.push(`list ${slug} ${job}`);
      return Promise.resolve([...files.keys()].map((p) => ({ path: p, url: `https://h/${p}` })));
    },
    download: (url: string) => {
      client.requests.push(`download ${url}`);
      return Promise.resolve(body(url));
    },
    downloadToFile: async (url: string, file: string) => {
      client.requests.push(`download ${url}`);
      const data = body(url);
      await fs.promises.writeFile(file, data);
      return data.length;
    },
  };
  return client;
}

function snapshot(site: string, jobNumber: number): SiteSnapshot {
  return {
    site,
    slug: `gh/greenpeace/planet4-${site}`,
    state: 'waiting',
    stages: [
      {
        name: 'visualtests-compare',
        id: `j${jobNumber}`,
        type: 'build',
        status: 'failed',
        jobNumber,
        dependencies: [],
      },
    ],
  } as unknown as SiteSnapshot;
}

function fakeServices(storage: string, client: ArtifactSource) {
  const listeners = new Set<(sites: string[]) => void>();
  const fleet = {
    siteNames: [] as string[],
    snapshots: new Map<string, SiteSnapshot>(),
    refreshed: [] as string[][],
    get sites(): readonly string[] {
      return fleet.siteNames;
    },
    get: (site: string) => fleet.snapshots.get(site),
    onDidChange: (l: (sites: string[]) => void) => {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    refresh: (o: { sites?: string[] }) => {
      fleet.refreshed.push(o.sites ?? []);
      return Promise.resolve();
    },
    emit: (sites: string[]) => {
      for (const l of listeners) l(sites);
    },
  };
  const counters = { circleci: 0 };
  const noop = (): void => undefined;
  const services = {
    context: { extensionUri: Uri.file('/ext'), globalStorageUri: Uri.file(storage) },
    log: { info: noop, warn: noop, error: noop, trace: noop, debug: noop },
    fleet,
    circleci: () => {
      counters.circleci++;
      return client;
    },
    organization: () => 'greenpeace',
  };
  return { services, fleet, counters };
}

/** The panel's current view (a function: what TypeScript narrowed before an await does not hold after it). */
function viewOf(p: FakeWebviewPanel): ReportView | undefined {
  return p.view;
}

/** Settles pending promise chains (the panel's loads run in the background). */
async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe('report panel: restored state, cache limit, folders in use', function () {
  this.timeout(20_000);
  let panelModule: PanelModule;
  let storage: string;
  let cacheRoot: string;
  let client: ReturnType<typeof recordingClient>;
  let env: ReturnType<typeof fakeServices>;
  let panels: InstanceType<PanelModule['ReportPanels']>;

  before(async () => {
    panelModule = await import('../../src/webviews/report/panel');
  });

  after(() => {
    Module._load = originalLoad;
  });

  beforeEach(() => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-panel-'));
    cacheRoot = path.join(storage, 'reports');
    client = recordingClient();
    env = fakeServices(storage, client);
    panels = new panelModule.ReportPanels(env.services as never);
    setting.workspaceValue = undefined;
    setting.globalValue = undefined;
  });

  afterEach(() => {
    panels.dispose();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  const restore = async (state: unknown): Promise<FakeWebviewPanel> => {
    const webviewPanel = new FakeWebviewPanel();
    await panels.deserializeWebviewPanel(webviewPanel as never, state as never);
    await settle();
    return webviewPanel;
  };

  /** A complete cache folder of `site`'s job, as a finished download leaves it. */
  const cached = async (site: string, jobNumber: number): Promise<string> => {
    const r = await loadReport({
      client: recordingClient(),
      slug: `gh/greenpeace/planet4-${site}`,
      jobNumber,
      cacheRoot,
      finished: true,
    });
    assert.ok(r.kind === 'ok');
    return r.jobDir;
  };

  /** A cached folder made `mib` MiB big (a sparse file: counted, not written) and older than any other. */
  const bloat = (dir: string, mib: number): void => {
    fs.writeFileSync(path.join(dir, 'bulk.bin'), '');
    fs.truncateSync(path.join(dir, 'bulk.bin'), mib * 1024 * 1024);
    const old = new Date(Date.now() - 86_400_000);
    fs.utimesSync(path.join(dir, MARKER_FILE), old, old);
  };

  it('closes a restored panel whose state names no valid site, without reading or requesting anything', async () => {
    env.fleet.siteNames = ['africa'];
    const states: unknown[] = [
      { site: 'x/../../../../me', jobNumber: 1 },
      { site: 'africa/../../../me?x=', jobNumber: 1 },
      { site: '../africa', jobNumber: 2 },
      { site: 'africa#x', jobNumber: 3 },
      { site: '%2e%2e', jobNumber: 4 },
      { site: 'a b', jobNumber: 5 },
      { site: '', jobNumber: 6 },
      { site: 42, jobNumber: 7 },
      { site: 'x'.repeat(200), jobNumber: 8 },
      null,
      'africa',
    ];
    for (const state of states) {
      const p = await restore(state);
      assert.strictEqual(p.disposed, true, `closed: ${JSON.stringify(state)}`);
    }
    assert.deepStrictEqual(client.requests, [], 'no request');
    assert.strictEqual(env.counters.circleci, 0, 'no client asked for');
    assert.strictEqual(panels.all.length, 0);
    assert.ok(!fs.existsSync(cacheRoot), 'nothing read or written in the cache');
  });

  it('restores a valid site with an invalid job number as a placeholder that says so, with no request', async () => {
    env.fleet.siteNames = ['africa'];
    for (const jobNumber of [0, -1, 1.5, Number.NaN, 2 ** 60, '7', { n: 1 }]) {
      const p = await restore({ site: 'africa', jobNumber });
      assert.strictEqual(p.disposed, false);
      const view = p.view;
      assert.ok(view?.kind === 'error', `placeholder for ${JSON.stringify(jobNumber)}: ${JSON.stringify(view)}`);
      assert.match(view.message, /africa was not restored: its saved job number is not valid/);
    }
    assert.deepStrictEqual(client.requests, []);
    assert.strictEqual(env.counters.circleci, 0);
  });

  it('restores a site that is not among the fleet sites as a placeholder, with no request', async () => {
    env.fleet.siteNames = ['brasil'];
    const p = await restore({ site: 'africa', jobNumber: 5 });
    assert.strictEqual(p.disposed, false);
    const view = p.view;
    assert.ok(view?.kind === 'error', JSON.stringify(view));
    assert.match(view.message, /africa is not among the Planet 4 sites/);
    assert.deepStrictEqual(client.requests, []);
    assert.strictEqual(env.counters.circleci, 0);
  });

  it('waits for the site list before requesting anything for a restored panel, then checks the site against it', async () => {
    // the site list is not loaded yet: nothing is requested
    const a = await restore({ site: 'africa', jobNumber: 5 });
    const b = await restore({ site: 'congo', jobNumber: 6 });
    assert.strictEqual(viewOf(a)?.kind, 'loading');
    assert.strictEqual(client.requests.length, 0, 'no request before the site list is known');
    // a fleet event before the site list is known changes nothing
    env.fleet.emit(['africa']);
    await settle();
    assert.strictEqual(client.requests.length, 0);

    // the list arrives: africa is one of the sites (its report loads), congo is not (a placeholder)
    env.fleet.siteNames = ['africa', 'brasil'];
    env.fleet.emit([]);
    await settle(200);
    assert.strictEqual(viewOf(a)?.kind, 'ready', JSON.stringify(a.view));
    assert.ok(client.requests.includes('list gh/greenpeace/planet4-africa 5'), client.requests.join('\n'));
    assert.ok(!client.requests.some((r) => r.includes('congo')), 'nothing requested for congo');
    const view = b.view;
    assert.ok(view?.kind === 'error', JSON.stringify(view));
    assert.match(view.message, /congo is not among the Planet 4 sites/);
  });

  it('reads the cache limit from the user settings only: a workspace value does not empty the cache', async () => {
    const other = await cached('brasil', 3);
    bloat(other, 11);
    env.fleet.siteNames = ['africa', 'brasil'];
    env.fleet.snapshots.set('africa', snapshot('africa', 9));
    setting.workspaceValue = 0.000001; // a repository's .vscode/settings.json
    const r = await panels.open('africa', { waitForImages: true });
    assert.strictEqual(r.state, 'ready');
    assert.strictEqual(r.imagesPending, 0);
    assert.ok(fs.existsSync(path.join(other, MARKER_FILE)), 'the workspace value is ignored: 500 MB by default');
    assert.strictEqual(panelModule.reportCacheLimitBytes(), 500 * 1024 * 1024);

    // the user's own value applies: 10 MB, and brasil's 11 MB folder goes
    setting.globalValue = 10;
    assert.strictEqual(panelModule.reportCacheLimitBytes(), 10 * 1024 * 1024);
    env.fleet.snapshots.set('africa', snapshot('africa', 10));
    panels.all[0]?.panel.dispose();
    await panels.open('africa', { waitForImages: true });
    assert.ok(!fs.existsSync(other), 'pruned under the user limit');
  });

  it('never goes below the minimum of 10 MB', async () => {
    const other = await cached('brasil', 3);
    bloat(other, 5);
    env.fleet.siteNames = ['africa', 'brasil'];
    env.fleet.snapshots.set('africa', snapshot('africa', 9));
    setting.globalValue = 1;
    await panels.open('africa', { waitForImages: true });
    assert.strictEqual(panelModule.reportCacheLimitBytes(), 10 * 1024 * 1024);
    assert.ok(fs.existsSync(path.join(other, MARKER_FILE)), '5 MB stay under the 10 MB minimum');
  });

  it('never prunes the folder of a report shown in another panel', async () => {
    const shown = await cached('brasil', 3);
    bloat(shown, 11);
    env.fleet.siteNames = ['africa', 'brasil'];
    env.fleet.snapshots.set('brasil', snapshot('brasil', 3));
    env.fleet.snapshots.set('africa', snapshot('africa', 9));
    setting.globalValue = 10;
    const first = await panels.open('brasil');
    assert.strictEqual(first.fromCache, true);
    // another report downloads, then prunes down to 10 MB: brasil's 11 MB folder is open, so it stays
    const second = await panels.open('africa', { waitForImages: true });
    assert.strictEqual(second.fromCache, false);
    assert.ok(fs.existsSync(path.join(shown, MARKER_FILE)), 'the open report keeps its folder');
    assert.ok(fs.existsSync(path.join(shown, 'bitmaps_test', '1', 'a.png')));
    // closed, it is an ordinary folder again
    panels.find('brasil', 3)?.panel.dispose();
    const { pruneCache } = await import('../../src/core/report/loader');
    const pruned = await pruneCache(cacheRoot, 10 * 1024 * 1024);
    assert.deepStrictEqual(pruned.deleted, [shown]);
    assert.ok(fs.existsSync(jobCacheDir(cacheRoot, 'gh/greenpeace/planet4-africa', 9)), 'africa is open');
  });
});
