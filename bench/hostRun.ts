// 2 and 5b: the first paint after a reload and the activation time, in a real VS Code extension host
// (test/host/bench-host.mjs runs bench/host/index.ts there).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { atMost, fmt, median, round, type Figure } from './figures';
import type { HostPhase } from './host/protocol';

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
    const figures: Figure[] = [
      atMost(
        'first paint after reload (VS Code host)',
        ms(first.median),
        'ms',
        100,
        `median of ${n} fresh extension hosts (range ${first.range}), ${bundle}, ${seed.sites ?? '?'} sites in globalState; medians: require ${fmt(ms(req.median))} + Extension.activate() ${fmt(ms(act.median))} (the extension's own activate() ${fmt(own.median)}) + getChildren/getTreeItem ${fmt(ms(tree.median))} ms; ${last?.items ?? 0} items (${last?.staleItems ?? 0} stale), view '${last?.viewState ?? '?'}', no request`,
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
      atMost(
        'activation, first install (VS Code host)',
        ms(seed.requireMs + seed.activateMs),
        'ms',
        50,
        `one run, ${bundle}: require ${fmt(ms(seed.requireMs))} + Extension.activate() ${fmt(ms(seed.activateMs))} ms (the extension's own activate() ${self(seed)}); no saved state`,
      ),
      atMost(
        'activation, reload (VS Code host)',
        ms(both.median),
        'ms',
        50,
        `median of ${n} (range ${both.range}), ${bundle}: require ${fmt(ms(req.median))} (${req.range}) + Extension.activate() ${fmt(ms(act.median))} (${act.range}) ms, the extension's own activate() ${fmt(own.median)} ms (${own.range}); restores ${seed.sites ?? '?'} sites`,
      ),
    );
    return { figures, host: `VS Code ${seed.vscodeVersion} extension host, Node ${seed.node}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
