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
    const r = JSON.parse(fs.readFileSync(out, 'utf8')) as { seed?: HostPhase; paint?: HostPhase };
    const errors = [phaseError(r.seed, 'seed'), phaseError(r.paint, 'paint')].filter((e) => e !== undefined);
    if (errors.length > 0 || !r.seed || !r.paint) throw new Error(`host benchmark failed: ${errors.join('; ')}`);
    const { seed, paint } = r;
    const ms = (n: number): number => round(n, 1);
    const figures: Figure[] = [];
    if (paint.firstPaintMs !== undefined) {
      const treeMs = paint.firstPaintMs - paint.requireMs - paint.activateMs;
      figures.push(
        atMost(
          'first paint after reload (VS Code host)',
          ms(paint.firstPaintMs),
          'ms',
          100,
          `${bundle}, fresh extension host, ${seed.sites ?? '?'} sites in globalState: require ${fmt(ms(paint.requireMs))} + Extension.activate() ${fmt(ms(paint.activateMs))} (of which the extension's activate() ${self(paint)}) + getChildren/getTreeItem ${fmt(ms(treeMs))} ms; ${paint.items ?? 0} items (${paint.staleItems ?? 0} stale), view '${paint.viewState ?? '?'}', no request`,
        ),
      );
    }
    if (seed.restorePaintMs && seed.restorePaintMs.length > 0) {
      figures.push(
        atMost(
          'restore + tree items (VS Code host)',
          ms(median(seed.restorePaintMs)),
          'ms',
          100,
          `Fleet.restore(${round((seed.savedBytes ?? 0) / 1024, 0)} KiB saved state) + PipelinesTreeProvider getChildren + ${seed.sites ?? '?'} getTreeItem; median of ${seed.restorePaintMs.length}, first ${fmt(ms(seed.restorePaintMs[0] ?? NaN))} ms`,
        ),
      );
    }
    figures.push(
      atMost(
        'activation, first install (VS Code host)',
        ms(seed.requireMs + seed.activateMs),
        'ms',
        50,
        `${bundle}: require ${fmt(ms(seed.requireMs))} + Extension.activate() ${fmt(ms(seed.activateMs))} ms (of which the extension's activate() ${self(seed)}); no saved state`,
      ),
      atMost(
        'activation, reload (VS Code host)',
        ms(paint.requireMs + paint.activateMs),
        'ms',
        50,
        `${bundle}: require ${fmt(ms(paint.requireMs))} + Extension.activate() ${fmt(ms(paint.activateMs))} ms (of which the extension's activate() ${self(paint)}); restores ${seed.sites ?? '?'} sites`,
      ),
    );
    return { figures, host: `VS Code ${seed.vscodeVersion} extension host, Node ${seed.node}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
