// What the extension-host part of the benchmark (bench/host/index.ts, run by test/host/bench-host.mjs) reports.

/** One host run ("phase"): `seed` activates with no saved state and loads the sandbox; `paint` reloads from it. */
export interface HostPhase {
  phase: 'seed' | 'paint';
  vscodeVersion: string;
  node: string;
  /** `require()` of dist/extension.js, cold (the first load in this extension host). */
  requireMs: number;
  /** `Extension.activate()` after that require: the extension's activate() and the host's bookkeeping. */
  activateMs: number;
  /** The extension's own "activated in N ms" log line (Date.now() around its activate(); added by the runner). */
  activateSelfMs?: number;
  /** paint: from before the require to the tree's first items (getChildren() + getTreeItem() of every site). */
  firstPaintMs?: number;
  /** paint: what the first paint showed. */
  viewState?: string;
  items?: number;
  staleItems?: number;
  /** seed: Fleet.restore(saved) + a new PipelinesTreeProvider + getChildren() + every getTreeItem(), repeated. */
  restorePaintMs?: number[];
  /** seed: size of the saved state (JSON). */
  savedBytes?: number;
  /** seed: sites loaded from the sandbox before the state was saved. */
  sites?: number;
  /** The baseline measured in the same host (bench/host/index.ts): an empty extension with one empty tree view. */
  baseline?: BaselineTimes;
  /** Which of ours and the baseline was activated first in this host (they alternate from one host to the next). */
  order?: Order;
  /** The warm-up extension's require + Extension.activate(), before both (not measured against anything). */
  warmupMs?: number;
  error?: string;
}

export type Order = 'ours-first' | 'baseline-first';

export interface BaselineTimes {
  requireMs: number;
  activateMs: number;
  /** require + activate + getChildren() and getTreeItem() of its (empty) tree. */
  firstPaintMs: number;
}

/** The tiny extensions test/host/bench-host.mjs generates and loads next to ours (see tinyExtension there). */
export const WARMUP_ID = 'greenpeace.planet4-bench-warmup';
export const BASELINE_ID = 'greenpeace.planet4-bench-baseline';
export const ORDER_ENV = 'PLANET4_BENCH_ORDER';

export const PHASE_ENV = 'PLANET4_BENCH_PHASE';
export const OUT_ENV = 'PLANET4_BENCH_OUT';
export const DATA_DIR_ENV = 'PLANET4_BENCH_DATA_DIR';
