// 5a. The size of the production bundle: esbuild.js --production, its output redirected to a temp folder so that
// the development build in dist/ (used by the tests) stays as it is.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { atMost, info, round, type Figure } from './figures';

/** Loaded with `node -r`: every esbuild build's outdir moves under $PLANET4_BENCH_OUTDIR. */
const REDIRECT = `
const Module = require('module');
const fs = require('fs');
const path = require('path');
const load = Module._load;
let n = 0;
Module._load = function (request, ...rest) {
  const m = load.call(this, request, ...rest);
  if (request !== 'esbuild') return m;
  const root = process.env.PLANET4_BENCH_OUTDIR;
  const move = (o) => ({ ...o, metafile: true, outdir: path.join(root, path.relative(process.cwd(), path.resolve(o.outdir))) });
  const build = async (o) => {
    const r = await m.build(move(o));
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'meta-' + n++ + '.json'), JSON.stringify(r.metafile));
    return r;
  };
  return { ...m, build, context: (o) => m.context(move(o)) };
};
`;

/** Builds the production bundles into a temp folder; returns its `dist` (the caller removes `dir`) and the sizes. */
export function productionBuild(root: string): { dir: string; dist: string; figures: Figure[] } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-bench-prod-'));
  try {
    const preload = path.join(tmp, 'redirect.cjs');
    fs.writeFileSync(preload, REDIRECT);
    const out = path.join(tmp, 'out');
    const r = spawnSync(process.execPath, ['-r', preload, 'esbuild.js', '--production'], {
      cwd: root,
      env: { ...process.env, PLANET4_BENCH_OUTDIR: out },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`esbuild.js --production failed: ${r.stderr || r.stdout}`);
    const ext = fs.readFileSync(path.join(out, 'dist', 'extension.js'));
    const sandbox = path.join(out, 'dist', 'sandbox.js');
    const kb = (n: number): number => round(n / 1024, 1);
    const heaviest = contributors(out, 'dist/extension.js')
      .slice(0, 5)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(', ');
    const figures = [
      atMost(
        'production bundle dist/extension.js',
        kb(ext.length),
        'KiB',
        400,
        `minified (esbuild.js --production); gzip ${kb(gzipSync(ext).length)} KiB; sandbox bundle (loaded on demand) ${fs.existsSync(sandbox) ? kb(fs.statSync(sandbox).size) : NaN} KiB; largest parts (KiB): ${heaviest}`,
        '≤ 400 KiB',
      ),
      info(
        'development bundle dist/extension.js',
        kb(fs.statSync(path.join(root, 'dist', 'extension.js')).size),
        'KiB',
        'unminified with source map (node esbuild.js), for comparison',
      ),
    ];
    return { dir: tmp, dist: path.join(out, 'dist'), figures };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Bytes of an output by package (`node_modules/<name>`) or `src`, largest first, from the builds' metafiles. */
function contributors(out: string, output: string): [string, number][] {
  const sizes = new Map<string, number>();
  for (const f of fs.readdirSync(out).filter((n) => /^meta-\d+\.json$/.test(n))) {
    const meta = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as Metafile;
    for (const [name, o] of Object.entries(meta.outputs)) {
      if (!name.replace(/\\/g, '/').endsWith(`/${output}`)) continue;
      for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
        const key = m?.[1] ?? (input.startsWith('src/') ? 'src' : input);
        sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
      }
    }
  }
  return [...sizes.entries()].sort((a, b) => b[1] - a[1]);
}
