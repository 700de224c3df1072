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
  error?: string;
}

export const PHASE_ENV = 'PLANET4_BENCH_PHASE';
export const OUT_ENV = 'PLANET4_BENCH_OUT';
export const DATA_DIR_ENV = 'PLANET4_BENCH_DATA_DIR';
