// The smoke test of the packaged extension: the extensionTestsPath module that test/host/package.mjs runs in a real
// VS Code extension host after installing the .vsix with the server's own CLI. The development folder is NOT loaded
// (the host's extensionDevelopmentPath is an empty driver extension beside this module), so everything below runs
// against what the .vsix carries: the manifest and its package.nls.json, the bundles, the sandbox's data, the media.
//
// No mocha (the driver folder has no node_modules): a short list of checks run in order, each with a time limit.
// Environment (set by package.mjs through the workbench payload's extensionEnvironment):
//   PLANET4_TEST_RESULTS                 write {passed, failed, checks: [{title, ok, error?, ms}], …} here
//   PLANET4_TEST_PACKAGE_EXTENSIONS_DIR  the extensions folder the .vsix was installed into
//   PLANET4_TEST_PACKAGE_REPO            the project folder, which the extension must NOT be loaded from
//   PLANET4_TEST_PACKAGE_VERSION         the version in the project's package.json
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import type { OpenVisualReportResult } from '../../src/webviews/report/viewModel';

export const EXTENSION_ID = 'greenpeace.planet4-pipelines';
/** Time limit of one check. */
const CHECK_MS = 60_000;

export interface PackageCheck {
  title: string;
  ok: boolean;
  error?: string;
  ms: number;
}

export interface PackageSmokeResults {
  passed: number;
  failed: number;
  vscodeVersion: string;
  appName: string;
  extensionPath: string | undefined;
  checks: PackageCheck[];
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run this through test/host/package.mjs)`);
  return v;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every string of the manifest that is still an unresolved `%key%` placeholder, with its JSON path. */
function placeholders(value: unknown, where = ''): string[] {
  if (typeof value === 'string') return /^%[^%\s]+%$/.test(value) ? [`${where}: ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholders(v, `${where}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => placeholders(v, where ? `${where}.${k}` : k));
  return [];
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function run(): Promise<void> {
  const checks: PackageCheck[] = [];
  const check = async (title: string, fn: () => Promise<void> | void): Promise<void> => {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`timed out after ${CHECK_MS / 1000} s`));
          }, CHECK_MS);
        }),
      ]);
      checks.push({ title, ok: true, ms: Date.now() - t0 });
    } catch (e) {
      checks.push({ title, ok: false, error: e instanceof Error ? e.message : String(e), ms: Date.now() - t0 });
    } finally {
      clearTimeout(timer);
    }
  };

  const ext = vscode.extensions.getExtension<Planet4Api>(EXTENSION_ID);
  let api: Planet4Api | undefined;
  let sb: Sandbox | undefined;

  await check('the extension is the installed .vsix, not the development folder', () => {
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    const extensionsDir = env('PLANET4_TEST_PACKAGE_EXTENSIONS_DIR');
    const repo = env('PLANET4_TEST_PACKAGE_REPO');
    assert.ok(
      isInside(ext.extensionPath, extensionsDir),
      `loaded from ${ext.extensionPath}, not from the extensions folder ${extensionsDir}`,
    );
    assert.ok(!isInside(ext.extensionPath, repo), `loaded from the project folder ${ext.extensionPath}`);
    const fromRepo = vscode.extensions.all.filter((e) => isInside(e.extensionPath, repo));
    assert.deepStrictEqual(
      fromRepo.map((e) => e.id),
      [],
      'no extension is loaded from the project folder',
    );
    assert.strictEqual((ext.packageJSON as { version?: string }).version, env('PLANET4_TEST_PACKAGE_VERSION'));
  });

  await check('its manifest strings resolve through the packaged package.nls.json', () => {
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    const pkg = ext.packageJSON as { displayName?: string; contributes?: { commands?: { command: string }[] } };
    assert.deepStrictEqual(placeholders(pkg), [], 'unresolved %key% strings in the manifest');
    assert.strictEqual(pkg.displayName, 'Planet 4 Pipelines');
    assert.ok(
      pkg.contributes?.commands?.some((c) => c.command === 'planet4.refresh'),
      'contributes planet4.refresh',
    );
  });

  await check('it activates and returns its API', async () => {
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    assert.ok(ext.isActive, 'not active after activate()');
    assert.strictEqual(api.version, env('PLANET4_TEST_PACKAGE_VERSION'));
    assert.strictEqual(typeof api.startSandbox, 'function');
    for (const f of ['dist/extension.js', 'dist/sandbox.js', 'dist/webview/report.js', 'media/icon.png'])
      assert.ok(fs.existsSync(path.join(ext.extensionPath, f)), `${f} is installed`);
  });

  await check('it starts the sandbox and the tree shows every site', async () => {
    assert.ok(api, 'no API');
    const a = api;
    sb = await a.startSandbox({ clock: 'manual', scenario: 'mixed' });
    await vscode.commands.executeCommand('planet4.refresh');
    const s = sb;
    // the root holds the sites and, above them, the platform release (planet4-base: not a site)
    const sites = (): number => a.pipelines.getChildren().filter((n) => n.kind === 'site').length;
    await waitFor(`${s.sites.length} sites in the tree`, () => sites() === s.sites.length);
    assert.ok(s.sites.length > 0, 'the sandbox has sites');
    await waitFor('the view state ready', () => a.viewState() === 'ready');
    const labels = a.pipelines.getChildren().map((n) => a.pipelines.getTreeItem(n).label);
    assert.ok(labels.every(Boolean), 'every row has a label');
    assert.ok(
      a.pipelines
        .getChildren()
        .every((n, i) => (n.kind === 'site') === (i > 0 || a.pipelines.getChildren().length === s.sites.length)),
      'the platform node, when shown, comes first; the rest are sites',
    );
  });

  await check('the command planet4.refresh reloads the sites from the sandbox', async () => {
    assert.ok(api && sb, 'no sandbox');
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.refresh');
    assert.ok(sb.requests.length > 0, 'refresh sent no request');
    assert.strictEqual(api.pipelines.getChildren().filter((n) => n.kind === 'site').length, sb.sites.length);
  });

  await check('the command planet4.openVisualReport shows a report from the packaged webview', async () => {
    assert.ok(sb, 'no sandbox');
    const site = sb.roles.visualDiffs[0];
    assert.ok(site, 'the mixed scenario has a visual-diffs site');
    const r = await vscode.commands.executeCommand<OpenVisualReportResult>('planet4.openVisualReport', { site });
    assert.strictEqual(r.state, 'ready');
    assert.ok((r.failed ?? 0) > 0, 'the report lists failed tests');
    // the tab model follows the panels asynchronously
    const tabs = await waitFor('a report panel', () => {
      const open = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('planet4.visualReport'));
      return open.length > 0 && open;
    });
    await vscode.window.tabGroups.close(tabs);
  });

  await check('it stops the sandbox', async () => {
    assert.ok(api, 'no API');
    await api.stopSandbox();
    assert.strictEqual(api.sandbox, undefined);
  });

  const failed = checks.filter((c) => !c.ok).length;
  const results: PackageSmokeResults = {
    passed: checks.length - failed,
    failed,
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    extensionPath: ext?.extensionPath,
    checks,
  };
  fs.writeFileSync(env('PLANET4_TEST_RESULTS'), JSON.stringify(results, null, 2));
  if (failed > 0) throw new Error(`${failed} package smoke check(s) failed`);
}
