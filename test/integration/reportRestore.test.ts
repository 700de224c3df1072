// The report panel's trust boundaries in a real VS Code: a panel VS Code restores after a reload brings back a state
// its webview wrote, so the extension's serializer checks it before it reads the cache or sends anything; the cache
// limit comes from the user's settings only, never below 10 MB; a folder shown in a panel is never pruned.
//
// A restored panel is a real webview panel of the report's view type, handed to the extension's own serializer (the
// API's `reportPanels`), as VS Code does after a reload. What the panel shows is what the extension posts to its
// webview (recorded on the way, then delivered); what it requests is the sandbox's request log (with polling paused,
// so that every request in it is the panel's); what it reads or writes is the report cache on disk.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { settings } from '../../src/config';
import type { Planet4Api } from '../../src/extension';
import type { RequestLogEntry, Sandbox } from '../../src/sandbox';
import type { HostMessage, ReportView } from '../../src/webviews/report/protocol';
import { sandbox, waitFor } from './support';

const VIEW_TYPE = 'planet4.visualReport';
const SITES = ['africa', 'brasil', 'chile', 'denmark'];
const MARKER = 'complete.json';
const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;

interface ReportResult {
  site: string;
  jobNumber?: number;
  state: string;
  fromCache?: boolean;
  cacheDir?: string;
  imagesPending?: number;
}

/** A panel handed to the extension's serializer, and what the extension did with it. */
interface Restored {
  readonly panel: vscode.WebviewPanel;
  /** Every message the extension posted to the panel's webview. */
  readonly messages: HostMessage[];
  disposed: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');
const setUser = async (key: string, value: unknown): Promise<void> => {
  await config().update(key, value, vscode.ConfigurationTarget.Global);
};

/** The view of the last `update` the extension posted to the panel. */
function viewOf(r: Restored): ReportView | undefined {
  const updates = r.messages.filter((m) => m.type === 'update');
  const last = updates[updates.length - 1];
  return last?.type === 'update' ? last.view : undefined;
}

function reportTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

/** Every file and folder under `root`, with its size and modification time: a read of a complete cache touches its marker. */
function cacheTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const st = fs.lstatSync(p);
      out.push(`${path.relative(root, p)} ${e.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out.sort();
}

function describeRequests(requests: readonly RequestLogEntry[]): string[] {
  return requests.map((q) => `${q.service} ${q.method} ${q.path}`);
}

/** Makes `file` (and so its folder, for the pruner) a day older than anything else. */
function age(file: string): number {
  const old = new Date(Date.now() - DAY_MS);
  fs.utimesSync(file, old, old);
  return fs.statSync(file).mtimeMs;
}

/** A cached job folder made `mib` MiB bigger (a sparse file: counted, not written) and older than any other. */
function bloat(dir: string, mib: number): void {
  const bulk = path.join(dir, 'bulk.bin');
  fs.writeFileSync(bulk, '');
  fs.truncateSync(bulk, mib * MIB);
  age(path.join(dir, MARKER));
}

describe('report restore: restored panel state, cache limit, folders in use', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  /** globalStorage/reports of the extension. */
  let cacheRoot: string;
  /** A copy of a complete job folder (outside the cache). */
  let template: string;
  const restored: Restored[] = [];
  /** Restored panels closed by closeAll (each restored panel has a title of its own). */
  let closedCount = 0;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const workspaceSettings = folder ? path.join(folder, '.vscode', 'settings.json') : '';

  const jobOf = (site: string): number => {
    const n = api.fleet.get(site)?.stages.find((s) => s.name === 'visualtests-compare')?.jobNumber;
    assert.ok(typeof n === 'number', `${site} has a visualtests-compare job`);
    return n;
  };

  /** Hands a fresh panel with `state` to the extension's serializer, as VS Code does after a reload. */
  const restore = async (state: unknown): Promise<Restored> => {
    const title = `Visual report (restored ${String(restored.length + closedCount)})`;
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
      { enableScripts: true },
    );
    const r: Restored = { panel, messages: [], disposed: false };
    const webview = panel.webview;
    const post = webview.postMessage.bind(webview);
    webview.postMessage = (m: unknown) => {
      r.messages.push(m as HostMessage);
      return post(m);
    };
    panel.onDidDispose(() => {
      r.disposed = true;
    });
    restored.push(r);
    // as after a reload, the workbench has shown the panel before VS Code hands it to the serializer
    await waitFor('the panel shown', () => reportTabs().some((t) => t.label === title && t.isActive));
    await sleep(150);
    await api.reportPanels.deserializeWebviewPanel(panel, state);
    await sleep(100);
    return r;
  };

  /** Pauses polling and waits until the sandbox has been idle for a moment: every request after this is the panels'. */
  const quiet = async (): Promise<void> => {
    api.poller.setActive(false);
    await waitFor('the sandbox to be idle', async () => {
      const n = sb.requests.length;
      await sleep(300);
      return sb.requests.length === n;
    });
    sb.clearRequests();
  };

  /** `planet4.openVisualReport`; with `waitForImages`, after its downloads and the prune that follows them. */
  const open = async (site: string, waitForImages = true): Promise<ReportResult> => {
    const r = await vscode.commands.executeCommand<ReportResult>('planet4.openVisualReport', { site, waitForImages });
    assert.strictEqual(r.state, 'ready', `${site}: ${JSON.stringify(r)}`);
    assert.ok(r.cacheDir, `${site}: the result names the cache folder`);
    // the tab model follows a new panel a moment later
    const title = `Visual report: ${site} #${String(r.jobNumber)}`;
    await waitFor(`the tab of ${title}`, () => reportTabs().some((t) => t.label === title));
    return r;
  };

  /** Closes every report panel (restored or opened) and waits until the extension has let them go. */
  const closeAll = async (): Promise<void> => {
    closedCount += restored.length;
    for (const r of restored.splice(0)) if (!r.disposed) r.panel.dispose();
    const tabs = reportTabs();
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
    await waitFor('every report panel closed', () => reportTabs().length === 0);
    // the extension host hears of a closed tab's panel a moment after the tab model
    await sleep(300);
  };

  const resetCache = async (): Promise<void> => {
    await closeAll();
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  };

  /** A complete cache folder of `slug`'s job, as a finished download leaves it, made older than any other. */
  const plantCompleteCache = (slug: string, jobNumber: number): { dir: string; marker: string; mtimeMs: number } => {
    const dir = path.join(cacheRoot, slug.replace(/[^A-Za-z0-9._-]/g, '_'), String(jobNumber));
    fs.cpSync(template, dir, { recursive: true });
    const marker = path.join(dir, MARKER);
    const data = JSON.parse(fs.readFileSync(marker, 'utf8')) as { slug: string; jobNumber: number };
    data.slug = slug;
    data.jobNumber = jobNumber;
    fs.writeFileSync(marker, JSON.stringify(data));
    return { dir, marker, mtimeMs: age(marker) };
  };

  before(async () => {
    assert.ok(folder, 'the test host opened a workspace folder');
    ({ api, sb } = await sandbox({ scenario: 'visual-diffs', sites: SITES }));
    await waitFor('every site loaded', () => SITES.every((s) => api.fleet.get(s)?.stages.length));
    // where the extension keeps its reports, and a complete job folder to plant elsewhere
    const r = await open('denmark');
    assert.ok(r.cacheDir && fs.existsSync(path.join(r.cacheDir, MARKER)), 'a complete cache');
    cacheRoot = path.dirname(path.dirname(r.cacheDir));
    assert.strictEqual(path.basename(cacheRoot), 'reports');
    template = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-restore-')), 'job');
    fs.cpSync(r.cacheDir, template, { recursive: true });
    await resetCache();
  });

  after(async () => {
    await closeAll();
    if (workspaceSettings) fs.rmSync(workspaceSettings, { force: true });
    for (const k of ['report.cacheLimitMB', 'confirmActions']) await setUser(k, undefined);
    if (template) fs.rmSync(path.dirname(template), { recursive: true, force: true });
    await api.stopSandbox();
  });

  afterEach(async () => {
    await closeAll();
    // a test that emptied the site list and failed before reading it again leaves it to the next one
    if (api.fleet.sites.length === 0) await vscode.commands.executeCommand('planet4.refresh');
  });

  it('closes a restored panel whose state names no valid site: no request, no cache access, nothing shown', async () => {
    const job = jobOf('africa');
    // traps: complete caches that a restore of the too-long names would read (a read touches the marker)
    const longSites = ['x'.repeat(93), 'x'.repeat(200)];
    const traps = longSites.map((s) => plantCompleteCache(`gh/greenpeace/planet4-${s}`, job));
    const states: unknown[] = [
      { site: 'x/../../../../me', jobNumber: job },
      { site: 'africa/../../../me?x=', jobNumber: job },
      { site: '../africa', jobNumber: job },
      { site: 'africa?x=1', jobNumber: job },
      { site: 'africa#x', jobNumber: job },
      { site: '%2e%2e', jobNumber: job },
      { site: 'a b', jobNumber: job },
      { site: '', jobNumber: job },
      { site: 42, jobNumber: job },
      { site: { site: 'africa' }, jobNumber: job },
      ...longSites.map((site) => ({ site, jobNumber: job })),
      null,
      'africa',
    ];
    for (const phase of ['the site list loaded', 'the site list not loaded yet']) {
      if (phase === 'the site list not loaded yet') {
        // as after a reload (or a change of endpoints) until the site list has been read again
        api.fleet.setSites([]);
        assert.deepStrictEqual(api.fleet.sites, []);
      } else {
        assert.deepStrictEqual([...api.fleet.sites].sort(), SITES);
      }
      await quiet();
      const before = cacheTree(cacheRoot);
      for (const state of states) {
        const r = await restore(state);
        assert.strictEqual(r.disposed, true, `${phase}: closed: ${JSON.stringify(state)}`);
        assert.deepStrictEqual(r.messages, [], `${phase}: nothing posted for ${JSON.stringify(state)}`);
      }
      await sleep(300);
      assert.deepStrictEqual(describeRequests(sb.requests), [], `${phase}: no request`);
      assert.deepStrictEqual(cacheTree(cacheRoot), before, `${phase}: nothing read, written or deleted in the cache`);
      for (const t of traps)
        assert.strictEqual(fs.statSync(t.marker).mtimeMs, t.mtimeMs, `${phase}: ${t.dir} not read`);
      await waitFor(`${phase}: the closed panels' tabs gone`, () => reportTabs().length === 0);
    }

    // the traps work: a valid (92-character) name's complete cache is read, and shown with no request
    const valid = 'y'.repeat(92);
    const control = plantCompleteCache(`gh/greenpeace/planet4-${valid}`, job);
    const shown = await restore({ site: valid, jobNumber: job });
    assert.strictEqual(shown.disposed, false);
    assert.strictEqual(viewOf(shown)?.kind, 'ready', JSON.stringify(viewOf(shown)));
    assert.notStrictEqual(fs.statSync(control.marker).mtimeMs, control.mtimeMs, 'the control cache was read');
    assert.deepStrictEqual(describeRequests(sb.requests), [], 'a complete cache needs no request');
    await closeAll();

    await vscode.commands.executeCommand('planet4.refresh');
    assert.deepStrictEqual([...api.fleet.sites].sort(), SITES);
  });

  it('restores a valid site with an invalid job number as a placeholder that says so, with no request', async () => {
    assert.ok(api.fleet.sites.includes('africa'));
    await quiet();
    const before = cacheTree(cacheRoot);
    for (const jobNumber of [0, -1, 1.5, Number.NaN, 2 ** 60, '7', { n: 1 }]) {
      const r = await restore({ site: 'africa', jobNumber });
      const what = `jobNumber ${typeof jobNumber === 'object' ? JSON.stringify(jobNumber) : String(jobNumber)}`;
      assert.strictEqual(r.disposed, false, `${what}: kept open`);
      assert.strictEqual(r.panel.title, 'Visual report: africa', what);
      const view = viewOf(r);
      assert.ok(view?.kind === 'error', `${what}: a placeholder: ${JSON.stringify(view)}`);
      assert.match(view.message, /africa was not restored: its saved job number is not valid/);
    }
    await sleep(300);
    assert.deepStrictEqual(describeRequests(sb.requests), [], 'no request');
    assert.deepStrictEqual(cacheTree(cacheRoot), before, 'nothing read, written or deleted in the cache');
  });

  it('restores a site that is not among the fleet sites as a placeholder, with no request', async () => {
    assert.ok(!api.fleet.sites.includes('congo'));
    await quiet();
    const before = cacheTree(cacheRoot);
    const r = await restore({ site: 'congo', jobNumber: 5 });
    assert.strictEqual(r.disposed, false);
    assert.strictEqual(r.panel.title, 'Visual report: congo');
    const view = viewOf(r);
    assert.ok(view?.kind === 'error', JSON.stringify(view));
    assert.match(view.message, /congo is not among the Planet 4 sites/);
    await sleep(300);
    assert.deepStrictEqual(describeRequests(sb.requests), [], 'no request');
    assert.deepStrictEqual(cacheTree(cacheRoot), before, 'nothing read, written or deleted in the cache');
  });

  it('waits for the site list before requesting anything for a restored panel, then checks the site against it', async () => {
    await resetCache();
    const job = jobOf('africa');
    api.fleet.setSites([]);
    await quiet();
    const a = await restore({ site: 'africa', jobNumber: job });
    const b = await restore({ site: 'congo', jobNumber: 6 });
    for (const r of [a, b]) {
      const view = viewOf(r);
      assert.ok(view?.kind === 'loading', JSON.stringify(view));
      assert.match(view.message, /Waiting for the pipelines view/);
    }
    assert.deepStrictEqual(describeRequests(sb.requests), [], 'no request before the site list is known');
    // a fleet event before the site list is known changes nothing
    api.fleet.setSites([]);
    await sleep(500);
    assert.deepStrictEqual(describeRequests(sb.requests), []);
    assert.strictEqual(viewOf(a)?.kind, 'loading');

    // the list arrives: africa is one of the sites (its report loads), congo is not (a placeholder)
    await vscode.commands.executeCommand('planet4.refresh');
    await waitFor("africa's report", () => viewOf(a)?.kind === 'ready');
    const listing = `/project/gh/greenpeace/planet4-africa/${job}/artifacts`;
    assert.ok(
      sb.requests.some((q) => q.service === 'circleci' && q.path === listing),
      describeRequests(sb.requests).join('\n'),
    );
    assert.ok(!sb.requests.some((q) => q.site === 'congo' || q.path.includes('congo')), 'nothing requested for congo');
    const view = viewOf(b);
    assert.ok(view?.kind === 'error', JSON.stringify(view));
    assert.match(view.message, /congo is not among the Planet 4 sites/);
    assert.strictEqual(a.disposed, false);
    assert.strictEqual(b.disposed, false);
  });

  it('reads the cache limit from the user settings only: a workspace value does not empty the cache', async () => {
    await resetCache();
    const other = (await open('brasil')).cacheDir ?? '';
    await closeAll();
    bloat(other, 11);
    try {
      fs.mkdirSync(path.dirname(workspaceSettings), { recursive: true });
      fs.writeFileSync(
        workspaceSettings,
        JSON.stringify({
          'planet4.report.cacheLimitMB': 0.000001, // a repository's .vscode/settings.json
          'planet4.notifications': false, // a setting a workspace may change: shows that the file was read
        }),
      );
      await waitFor('VS Code to read the workspace settings', () => {
        return config().inspect<boolean>('notifications')?.workspaceValue === false;
      });
      // VS Code itself neither applies it nor shows it (application scope), and refuses to write it there
      assert.strictEqual(config().inspect<number>('report.cacheLimitMB')?.workspaceValue, undefined);
      assert.strictEqual(config().get('report.cacheLimitMB'), 500);
      await assert.rejects(
        Promise.resolve(config().update('report.cacheLimitMB', 1, vscode.ConfigurationTarget.Workspace)),
      );
      const r = await open('africa');
      assert.strictEqual(r.fromCache, false, 'downloaded, then pruned');
      assert.strictEqual(r.imagesPending, 0);
      assert.ok(fs.existsSync(path.join(other, MARKER)), 'the workspace value is ignored: 500 MB by default');
      assert.strictEqual(settings.reportCacheLimitBytes(), 500 * MIB);

      // the user's own value applies: 10 MB, and brasil's 11 MB folder goes (and no more than that)
      await setUser('report.cacheLimitMB', 10);
      assert.strictEqual(settings.reportCacheLimitBytes(), 10 * MIB);
      const again = await open('chile');
      assert.strictEqual(again.fromCache, false);
      assert.ok(!fs.existsSync(other), 'pruned under the user limit');
      assert.ok(fs.existsSync(path.join(r.cacheDir ?? '', MARKER)), 'pruned down to the limit only');
    } finally {
      fs.rmSync(workspaceSettings, { force: true });
      await waitFor('VS Code to drop the workspace settings', () => {
        return config().inspect<boolean>('notifications')?.workspaceValue === undefined;
      });
      await setUser('report.cacheLimitMB', undefined);
    }
  });

  it('never goes below the minimum of 10 MB: a user value of 1 is raised to 10', async () => {
    await resetCache();
    await setUser('report.cacheLimitMB', 1);
    try {
      const other = (await open('brasil')).cacheDir ?? '';
      await closeAll();
      bloat(other, 5);
      const r = await open('africa');
      assert.strictEqual(r.fromCache, false, 'downloaded, then pruned');
      assert.strictEqual(settings.reportCacheLimitBytes(), 10 * MIB);
      assert.ok(fs.existsSync(path.join(other, MARKER)), '5 MB stay under the 10 MB minimum (not under 1 MB)');
      // …and 10 MB it is, not more: 11 MB go
      bloat(other, 11);
      const again = await open('chile');
      assert.strictEqual(again.fromCache, false);
      assert.ok(!fs.existsSync(other), 'over the 10 MB minimum: pruned');
    } finally {
      await setUser('report.cacheLimitMB', undefined);
    }
  });

  it('never prunes the folder of a report shown in a panel, and prunes it once the panel is closed', async () => {
    await resetCache();
    await setUser('report.cacheLimitMB', 10);
    try {
      const shown = (await open('brasil')).cacheDir ?? '';
      await closeAll();
      bloat(shown, 11);
      const images = cacheTree(path.join(shown, 'bitmaps_test')).length;
      assert.ok(images > 0, 'the report has test images');
      const first = await open('brasil', false);
      assert.strictEqual(first.fromCache, true);
      assert.strictEqual(first.cacheDir, shown);
      // another report downloads, then prunes down to 10 MB: brasil's 11 MB folder is open, so it stays
      const second = await open('africa');
      assert.strictEqual(second.fromCache, false);
      assert.ok(fs.existsSync(path.join(shown, MARKER)), 'the open report keeps its folder');
      assert.strictEqual(cacheTree(path.join(shown, 'bitmaps_test')).length, images, 'and every image of it');

      // closed, it is an ordinary folder again: the next prune deletes it, and only it
      const brasilTab = reportTabs().find((t) => t.label.includes('brasil'));
      assert.ok(brasilTab, "brasil's report tab");
      await vscode.window.tabGroups.close(brasilTab);
      await waitFor("brasil's panel closed", () => !reportTabs().some((t) => t.label.includes('brasil')));
      await sleep(300);
      const third = await open('chile');
      assert.strictEqual(third.fromCache, false);
      assert.ok(!fs.existsSync(shown), 'pruned once closed');
      assert.ok(fs.existsSync(path.join(second.cacheDir ?? '', MARKER)), 'africa is open: kept');
      assert.ok(fs.existsSync(path.join(third.cacheDir ?? '', MARKER)), 'the new report: kept');
    } finally {
      await setUser('report.cacheLimitMB', undefined);
    }
  });
});
