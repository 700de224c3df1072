// The extension-host part of the benchmark: the extensionTestsPath module of test/host/bench-host.mjs, run in a
// real VS Code extension host with the extension under development (a copy whose manifest has no activation
// event, so that this module decides when it activates). Two host runs share the browser profile, so the
// extension's globalState survives from the first to the second:
//   seed   activate with no saved state; load 53 sites from the sandbox; wait for the state to be saved
//   paint  activate again in a fresh host: the first paint from the saved state, without network
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import { Fleet, type PersistedFleet } from '../../src/core/fleet/fleet';
import { PipelinesTreeProvider } from '../../src/treeViews/pipelinesTree';
import {
  BASELINE_ID,
  DATA_DIR_ENV,
  ORDER_ENV,
  OUT_ENV,
  PHASE_ENV,
  WARMUP_ID,
  type BaselineTimes,
  type HostPhase,
  type Order,
} from './protocol';

const EXTENSION_ID = 'greenpeace.planet4-pipelines';
const ORG = 'greenpeace';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** require() of the bundle (cold, timed), then Extension.activate() (timed): the host finds the module cached. */
async function activateExtension(
  id: string,
): Promise<{ api: unknown; requireMs: number; activateMs: number; t0: number }> {
  const ext = vscode.extensions.getExtension<unknown>(id);
  if (!ext) {
    const loaded = vscode.extensions.all.map((e) => e.id).filter((e) => !e.startsWith('vscode.'));
    throw new Error(`${id} is not loaded (loaded: ${loaded.join(', ')})`);
  }
  if (ext.isActive) throw new Error(`${id} was activated before the benchmark`);
  const main = (ext.packageJSON as { main: string }).main;
  const file = path.join(ext.extensionPath, main);
  const load = createRequire(__filename);
  const t0 = performance.now();
  load(file);
  const t1 = performance.now();
  const api = await ext.activate();
  const t2 = performance.now();
  return { api, requireMs: t1 - t0, activateMs: t2 - t1, t0 };
}

/** Fleet.restore() + a fresh tree provider + the root's items: the first paint's own work, without the host. */
function restorePaint(saved: PersistedFleet): number {
  const copy = JSON.parse(JSON.stringify(saved)) as PersistedFleet;
  const t0 = performance.now();
  const fleet = new Fleet({
    circleci: () => {
      throw new Error('no network in this measurement');
    },
    github: () => Promise.reject(new Error('no network in this measurement')),
    organization: () => ORG,
  });
  fleet.restore(copy);
  const tree = new PipelinesTreeProvider(fleet, () => ORG);
  const items = tree.getChildren();
  for (const item of items) tree.getTreeItem(item);
  const ms = performance.now() - t0;
  tree.dispose();
  if (items.length !== saved.sites.length) throw new Error(`restored ${items.length} of ${saved.sites.length} sites`);
  return ms;
}

async function activate(): Promise<{ api: Planet4Api; requireMs: number; activateMs: number; t0: number }> {
  const r = await activateExtension(EXTENSION_ID);
  return { ...r, api: r.api as Planet4Api };
}

interface TinyApi {
  provider: vscode.TreeDataProvider<vscode.TreeItem>;
}

/** The baseline's activation and first paint, measured like ours. */
async function baseline(): Promise<BaselineTimes> {
  const r = await activateExtension(BASELINE_ID);
  const { requireMs, activateMs, t0 } = r;
  const api = r.api as TinyApi;
  const items = (await api.provider.getChildren()) ?? [];
  for (const item of items) await api.provider.getTreeItem(item);
  return { requireMs, activateMs, firstPaintMs: performance.now() - t0 };
}

/** The warm-up extension first, then ours and the baseline in the given order (`ours` does the measuring). */
async function measured<T>(out: HostPhase, order: Order, ours: () => Promise<T>): Promise<T> {
  const w = await activateExtension(WARMUP_ID);
  out.warmupMs = w.requireMs + w.activateMs;
  out.order = order;
  if (order === 'baseline-first') out.baseline = await baseline();
  const result = await ours();
  if (order === 'ours-first') out.baseline = await baseline();
  return result;
}

async function seed(out: HostPhase, order: Order): Promise<void> {
  const api = await measured(out, order, async () => {
    const a = await activate();
    out.requireMs = a.requireMs;
    out.activateMs = a.activateMs;
    return a.api;
  });
  const dataDir = process.env[DATA_DIR_ENV];
  const sb = await api.startSandbox({
    clock: 'manual',
    scenario: 'mixed',
    pipelineNoise: 'none',
    ...(dataDir ? { dataDir } : {}),
  });
  // the settings point at the sandbox too, so that the next host (no sandbox) has the same scope for the saved state
  const config = vscode.workspace.getConfiguration('planet4');
  await config.update('github.apiUrl', sb.githubApiUrl, vscode.ConfigurationTarget.Global);
  await config.update('circleci.apiUrl', sb.circleciApiUrl, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('planet4.refresh');
  await waitFor('every site loaded', () => {
    const all = api.fleet.all();
    return all.length === sb.sites.length && all.every((s) => s.state !== 'loading');
  });
  out.sites = api.fleet.all().length;
  const saved = api.fleet.persist();
  out.savedBytes = JSON.stringify(saved).length;
  out.restorePaintMs = Array.from({ length: 21 }, () => restorePaint(saved));
  // FleetStateStore saves 1 s after the last change; then the workbench writes its storage
  await sleep(3000);
}

async function paint(out: HostPhase, order: Order): Promise<void> {
  await measured(out, order, async () => {
    const { api, requireMs, activateMs, t0 } = await activate();
    const items = api.pipelines.getChildren();
    for (const item of items) api.pipelines.getTreeItem(item);
    out.firstPaintMs = performance.now() - t0;
    out.requireMs = requireMs;
    out.activateMs = activateMs;
    out.viewState = api.viewState();
    out.items = items.length;
    out.staleItems = api.fleet.all().filter((s) => s.stale === true).length;
  });
}

/**
 * The extension host runs this module as soon as it is up, while the workbench is still starting in the browser on
 * the same machine; the extension itself activates on onStartupFinished, after that. Waiting a little keeps the
 * workbench's start-up work out of the measurement.
 */
const SETTLE_MS = 3000;

export async function run(): Promise<void> {
  await sleep(SETTLE_MS);
  const phase = process.env[PHASE_ENV] === 'paint' ? 'paint' : 'seed';
  const out: HostPhase = {
    phase,
    vscodeVersion: vscode.version,
    node: process.version,
    requireMs: NaN,
    activateMs: NaN,
  };
  const order: Order = process.env[ORDER_ENV] === 'baseline-first' ? 'baseline-first' : 'ours-first';
  try {
    if (phase === 'seed') await seed(out, order);
    else await paint(out, order);
  } catch (e) {
    out.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  const file = process.env[OUT_ENV];
  if (file) fs.writeFileSync(file, JSON.stringify(out, null, 2));
  if (out.error) throw new Error(out.error);
}
