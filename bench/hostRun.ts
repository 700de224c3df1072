// 2 and 5b: the first paint after a reload and the activation time, in a real VS Code extension host
// (test/host/bench-host.mjs runs bench/host/index.ts there).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { atMost, fmt, info, median, round, type Figure } from './figures';
import type { BaselineTimes, HostPhase } from './host/protocol';

// The host targets are ratios to a baseline measured in the same extension host (bench/host/index.ts): absolute
// times on shared machines vary several-fold from one run to the next, both sides of a ratio vary together.
// The targets come from the runs made for issue 12.10: on this 2-core shared machine the baseline (an empty
// extension with one empty tree view) takes 14 ms on a first install and 0.2–1 s on a busy reload, ours 2.5–20× that
// (the extension's require() of its bundle is the part the baseline does not have: about 35 ms on a quiet machine,
// where the ratio is highest). A regression that doubles our own work pushes the quiet-machine ratio past these.
const PAINT_RATIO_MAX = 15;
const RELOAD_RATIO_MAX = 15;
const INSTALL_RATIO_MAX = 25;

function runHost(root: string, dist: string, out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'test', 'host', 'bench-host.mjs'), '--out', out, '--dist', dist],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve(code ?? 1);
    });
  });
}

/** The extension's own activate() duration, from its log line. */
function self(p: HostPhase): string {
  return p.activateSelfMs === undefined ? 'unknown' : `${p.activateSelfMs} ms`;
}

function phaseError(p: HostPhase | undefined, name: string): string | undefined {
  if (!p) return `${name}: no result`;
  return p.error === undefined ? undefined : `${name}: ${p.error.split('\n')[0] ?? ''}`;
}

/** Median of a figure over the paint runs, with its range. */
function spread(values: readonly number[]): { median: number; range: string } {
  const ms = (n: number): string => fmt(round(n, 1));
  return { median: median(values), range: `${ms(Math.min(...values))}–${ms(Math.max(...values))}` };
}

export async function hostFigures(
  root: string,
  dist: string,
  bundle: string,
): Promise<{ figures: Figure[]; host: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-bench-host-'));
  try {
    const out = path.join(tmp, 'host.json');
    const code = await runHost(root, dist, out);
    if (!fs.existsSync(out)) throw new Error(`test/host/bench-host.mjs exited ${code} without results`);
    const r = JSON.parse(fs.readFileSync(out, 'utf8')) as { seed?: HostPhase; paints?: HostPhase[] };
    const paints = r.paints ?? [];
    const errors = [phaseError(r.seed, 'seed'), ...paints.map((p, i) => phaseError(p, `paint ${i + 1}`))].filter(
      (e) => e !== undefined,
    );
    if (errors.length > 0 || !r.seed || paints.length === 0) {
      throw new Error(`host benchmark failed: ${errors.join('; ') || 'no paint run'}`);
    }
    const seed = r.seed;
    const ms = (n: number): number => round(n, 1);
    const n = paints.length;
    const first = spread(paints.map((p) => p.firstPaintMs ?? NaN));
    const req = spread(paints.map((p) => p.requireMs));
    const act = spread(paints.map((p) => p.activateMs));
    const own = spread(paints.map((p) => p.activateSelfMs ?? NaN));
    const tree = spread(paints.map((p) => (p.firstPaintMs ?? NaN) - p.requireMs - p.activateMs));
    const both = spread(paints.map((p) => p.requireMs + p.activateMs));
    const last = paints[n - 1];
    const base = (p: HostPhase): BaselineTimes => {
      if (!p.baseline) throw new Error(`host benchmark: no baseline in the ${p.phase} run`);
      return p.baseline;
    };
    const baseAct = (p: HostPhase): number => base(p).requireMs + base(p).activateMs;
    const paintRatio = spread(paints.map((p) => (p.firstPaintMs ?? NaN) / base(p).firstPaintMs));
    const actRatio = spread(paints.map((p) => (p.requireMs + p.activateMs) / baseAct(p)));
    const basePaint = spread(paints.map((p) => base(p).firstPaintMs));
    const baseReload = spread(paints.map(baseAct));
    const orders = `${paints.filter((p) => p.order === 'baseline-first').length} of ${n} with the baseline first`;
    const seedRatio = (seed.requireMs + seed.activateMs) / baseAct(seed);
    const figures: Figure[] = [
      atMost(
        'first paint after reload / empty tree (VS Code host)',
        round(paintRatio.median, 1),
        '×',
        PAINT_RATIO_MAX,
        `median over ${n} fresh extension hosts of our first paint ÷ the baseline's in the same host (range ${paintRatio.range}; ${orders}); baseline: an empty extension with one empty tree view, require + activate + getChildren, median ${fmt(ms(basePaint.median))} ms`,
        `≤ ${fmt(PAINT_RATIO_MAX)} ×`,
      ),
      atMost(
        'activation, reload / empty extension (VS Code host)',
        round(actRatio.median, 1),
        '×',
        RELOAD_RATIO_MAX,
        `median over ${n} hosts of our require + Extension.activate() ÷ the baseline's in the same host (range ${actRatio.range}); baseline median ${fmt(ms(baseReload.median))} ms`,
        `≤ ${fmt(RELOAD_RATIO_MAX)} ×`,
      ),
      atMost(
        'activation, first install / empty extension (VS Code host)',
        round(seedRatio, 1),
        '×',
        INSTALL_RATIO_MAX,
        `one host, no saved state, ${seed.order ?? '?'}: ours ${fmt(ms(seed.requireMs + seed.activateMs))} ms ÷ baseline ${fmt(ms(baseAct(seed)))} ms`,
        `≤ ${fmt(INSTALL_RATIO_MAX)} ×`,
      ),
      info(
        'first paint after reload (VS Code host)',
        ms(first.median),
        'ms',
        `absolute, for information (shared machines make it noise): median of ${n} fresh extension hosts (range ${first.range}), ${bundle}, ${seed.sites ?? '?'} sites in globalState; medians: require ${fmt(ms(req.median))} + Extension.activate() ${fmt(ms(act.median))} (the extension's own activate() ${fmt(own.median)}) + getChildren/getTreeItem ${fmt(ms(tree.median))} ms; ${last?.items ?? 0} items (${last?.staleItems ?? 0} stale), view '${last?.viewState ?? '?'}', no request`,
      ),
    ];
    if (seed.restorePaintMs && seed.restorePaintMs.length > 0) {
      figures.push(
        atMost(
          'restore + tree items (VS Code host)',
          ms(median(seed.restorePaintMs)),
          'ms',
          100,
          `Fleet.restore(${round((seed.savedBytes ?? 0) / 1024, 0)} KiB saved state) + PipelinesTreeProvider getChildren + ${seed.sites ?? '?'} getTreeItem, in an active host; median of ${seed.restorePaintMs.length}, first (cold) ${fmt(ms(seed.restorePaintMs[0] ?? NaN))} ms`,
        ),
      );
    }
    figures.push(
      info(
        'activation, first install (VS Code host)',
        ms(seed.requireMs + seed.activateMs),
        'ms',
        `absolute, for information: one run, ${bundle}: require ${fmt(ms(seed.requireMs))} + Extension.activate() ${fmt(ms(seed.activateMs))} ms (the extension's own activate() ${self(seed)}); no saved state`,
      ),
      info(
        'activation, reload (VS Code host)',
        ms(both.median),
        'ms',
        `absolute, for information: median of ${n} (range ${both.range}), ${bundle}: require ${fmt(ms(req.median))} (${req.range}) + Extension.activate() ${fmt(ms(act.median))} (${act.range}) ms, the extension's own activate() ${fmt(own.median)} ms (${own.range}); restores ${seed.sites ?? '?'} sites`,
      ),
    );
    return { figures, host: `VS Code ${seed.vscodeVersion} extension host, Node ${seed.node}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
