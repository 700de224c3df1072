// `npm run bench` (= node esbuild.js && node dist/bench.js): the performance benchmark. Runs the real Fleet,
// Poller, clients, limiter and report loader against the sandbox with injected latency, and the extension itself
// in a real VS Code extension host (test/host/bench-host.mjs). Prints a table; --json FILE writes every figure.
//
//   node dist/bench.js [--latency MS] [--json FILE] [--no-host] [--runs N] [--cycles N]
//   node dist/bench.js --readme FILE.json [--into README.md]   the README's table from one run (bench/readme.ts)
import * as fs from 'fs';
import * as path from 'path';
import { productionBuild } from './bundle';
import { machine, table, type Figure } from './figures';
import { coldLoad, idleRefresh, runningRefresh, soak } from './fleet';
import { hostFigures } from './hostRun';
import { benchJson, updateReadme } from './readme';
import { visualReport } from './report';
import { coldLoadTags } from './tags';
import { platformWave } from './platformWave';
import { wave } from './wave';
import { isSandboxWorker, runSandboxWorker } from './sandboxWorker';

interface Args {
  latency: number;
  json?: string;
  readme?: string;
  into: string;
  host: boolean;
  runs: number;
  cycles: number;
}

const USAGE =
  'usage: node dist/bench.js [--latency MS] [--json FILE] [--no-host] [--runs N] [--cycles N]\n' +
  '       node dist/bench.js --readme FILE.json [--into README.md]';

/** A path given on the command line: `npm run bench -- --json F` runs in the package folder, F is the caller's. */
function given(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { latency: 100, host: true, runs: 3, cycles: 200, into: path.resolve(__dirname, '..', 'README.md') };
  const num = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--latency') a.latency = num(argv[++i], flag);
    else if (flag === '--json') {
      const file = argv[++i];
      if (!file) throw new Error(`--json needs a file\n${USAGE}`);
      a.json = given(file);
    } else if (flag === '--readme' || flag === '--into') {
      const file = argv[++i];
      if (!file) throw new Error(`${flag} needs a file\n${USAGE}`);
      if (flag === '--readme') a.readme = given(file);
      else a.into = given(file);
    } else if (flag === '--no-host') a.host = false;
    else if (flag === '--runs') a.runs = Math.max(1, Math.round(num(argv[++i], flag)));
    else if (flag === '--cycles') a.cycles = Math.max(1, Math.round(num(argv[++i], flag)));
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${String(flag)}\n${USAGE}`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.readme) {
    updateReadme(args.readme, args.into);
    console.log(`bench: ${args.into} rewritten from ${args.readme}`);
    return;
  }
  const root = path.resolve(__dirname, '..');
  const dataDir = path.join(root, 'resources', 'sandbox');
  const m = machine();
  const started = Date.now();
  const figures: Figure[] = [];
  const step = async (what: string, f: () => Promise<Figure[]> | Figure[]): Promise<void> => {
    const t0 = Date.now();
    process.stderr.write(`bench: ${what}…`);
    figures.push(...(await f()));
    process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };

  await step('cold load (noise none)', () => coldLoad('none', args.latency, args.runs));
  await step('cold load (noise realistic)', () => coldLoad('realistic', args.latency, args.runs));
  await step('cold load with tags', () => coldLoadTags(args.latency, args.runs));
  await step('idle refresh', () => idleRefresh(args.latency));
  await step('refresh while running', () => runningRefresh(args.latency));
  await step('release wave (simulated clock)', () => wave());
  await step('platform release wave (simulated clock)', () => platformWave());
  await step('visual report', () => visualReport(dataDir, args.latency, 5));
  const prod = productionBuild(root);
  let host = 'VS Code host not run (--no-host)';
  try {
    figures.push(...prod.figures);
    if (args.host) {
      await step('VS Code host (first paint, activation)', async () => {
        const r = await hostFigures(root, prod.dist, 'production bundle');
        host = r.host;
        return r.figures;
      });
    }
  } finally {
    fs.rmSync(prod.dir, { recursive: true, force: true });
  }
  await step(`soak (${args.cycles} cycles)`, () => soak(__filename, args.cycles));

  const header = [
    `Planet 4 Pipelines benchmark — ${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}; ${host}`,
    `Sandbox latency ${args.latency} ms per request (soak: 0 ms); request cap 8 in flight`,
  ].join('\n');
  console.log(table(figures, header));
  const missed = figures.filter((f) => !f.met);
  console.log(
    missed.length === 0 ? '\nEvery target met.' : `\nTargets not met: ${missed.map((f) => f.name).join('; ')}`,
  );
  if (args.json) {
    fs.writeFileSync(
      args.json,
      JSON.stringify(
        benchJson({ date: new Date().toISOString(), machine: m, host, latencyMs: args.latency }, figures),
        null,
        2,
      ),
    );
    console.log(`bench: figures written to ${args.json}`);
  }
}

if (isSandboxWorker()) {
  void runSandboxWorker();
} else {
  main().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
}
