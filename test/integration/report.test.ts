// The visual report in a real VS Code: open the report of a visual-diffs site from the sandbox (the command resolves
// when the list shows, the images download in the background; `waitForImages` waits for them), check the counts
// and the cache, reopen it without downloading anything, close the panel.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'greenpeace.planet4-pipelines';
const VIEW_TYPE = 'planet4.visualReport';

interface SandboxLike {
  roles: { visualDiffs: string[] };
  requests: readonly { service: string; method: string; path: string; status: number | 'error' }[];
  clearRequests(): void;
  close(): Promise<void>;
}

interface ApiLike {
  startSandbox(options: { scenario: string }): Promise<SandboxLike>;
}

interface ReportResult {
  site: string;
  jobNumber?: number;
  state: string;
  passed?: number;
  failed?: number;
  total?: number;
  fromCache?: boolean;
  cacheDir?: string;
  imagesPending?: number;
  missingImages?: number;
}

function reportTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

/** The tab model follows panel changes asynchronously. */
async function waitForTabs(count: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (reportTabs().length !== count && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.strictEqual(reportTabs().length, count, `${count} report panel(s)`);
}

async function closeReports(): Promise<void> {
  const tabs = reportTabs();
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}

describe('report: the visual report of a visual-diffs site', function () {
  this.timeout(120_000);
  let sb: SandboxLike;
  let site: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<ApiLike>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    const api = await ext.activate();
    sb = await api.startSandbox({ scenario: 'visual-diffs' });
    const first = sb.roles.visualDiffs[0];
    assert.ok(first, 'the scenario has a visual-diffs site');
    site = first;
    await vscode.commands.executeCommand('planet4.refresh');
  });

  after(async () => {
    await closeReports();
    await sb.close();
  });

  it('opens the report: 12 tests, 8 passed, 4 failed, as soon as config.js is parsed', async () => {
    const r = await vscode.commands.executeCommand<ReportResult>('planet4.openVisualReport', { site });
    assert.strictEqual(r.site, site);
    assert.strictEqual(r.state, 'ready');
    assert.strictEqual(typeof r.jobNumber, 'number');
    assert.strictEqual(r.total, 12);
    assert.strictEqual(r.passed, 8);
    assert.strictEqual(r.failed, 4);
    assert.strictEqual(r.fromCache, false);
    assert.strictEqual(typeof r.imagesPending, 'number', 'the result says how many images are still downloading');
    assert.ok(r.cacheDir, 'the result names the cache folder');
    assert.ok(fs.existsSync(path.join(r.cacheDir, 'html_report', 'config.js')));
    await waitForTabs(1);
  });

  it('waits for the background downloads with waitForImages: then the cache is complete', async () => {
    const r = await vscode.commands.executeCommand<ReportResult>('planet4.openVisualReport', {
      site,
      waitForImages: true,
    });
    assert.strictEqual(r.state, 'ready');
    assert.strictEqual(r.failed, 4);
    assert.strictEqual(r.imagesPending, 0);
    assert.ok(r.cacheDir, 'the result names the cache folder');
    assert.ok(fs.existsSync(path.join(r.cacheDir, 'complete.json')), 'a complete cache');
    assert.ok(!fs.existsSync(path.join(r.cacheDir, 'listing.json')), 'no listing kept in a complete cache');
    assert.ok(fs.readdirSync(path.join(r.cacheDir, 'bitmaps_reference')).length > 0);
    await waitForTabs(1);
    assert.ok(
      sb.requests.some((q) => q.service === 'artifacts' && q.status === 200),
      'the images were downloaded from the artifacts host',
    );
  });

  it('reveals the open panel, and reopens a closed one from disk, without a download request', async () => {
    sb.clearRequests();
    const again = await vscode.commands.executeCommand<ReportResult>('planet4.openVisualReport', { site });
    assert.strictEqual(again.failed, 4);
    await waitForTabs(1);

    await closeReports();
    await waitForTabs(0);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('planet4.openVisualReport', site)),
      /Pass an argument object such as \{site: "africa"\}/,
      'a bare string is refused, as by every command',
    );
    const reopened = await vscode.commands.executeCommand<ReportResult>('planet4.openVisualReport', { site });
    assert.strictEqual(reopened.fromCache, true);
    assert.strictEqual(reopened.passed, 8);
    assert.strictEqual(reopened.failed, 4);
    assert.strictEqual(reopened.imagesPending, 0);
    const downloads = sb.requests.filter((q) => q.service === 'artifacts' || /\/artifacts$/.test(q.path));
    assert.deepStrictEqual(downloads, [], 'no artifact listing or download on reopen');
    await waitForTabs(1);
  });

  it('rejects with a user-facing message for an unknown site', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('planet4.openVisualReport', { site: 'no-such-site-xyz' })),
      /Unknown site "no-such-site-xyz": it is not in the Planet 4 site list/,
    );
  });

  it('closes the panel', async () => {
    await closeReports();
    await waitForTabs(0);
  });
});
