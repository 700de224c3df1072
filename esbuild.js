// Builds every bundle of the project with esbuild.
//   node esbuild.js              development build (sourcemaps)
//   node esbuild.js --production minified extension bundle for packaging
//   node esbuild.js --watch      rebuild on change
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** The test files (`*.ts`, not `*.d.ts`) directly in `dir`; none when it does not exist. @param {string} dir */
function testEntries(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode'],
  // see src/shims/form-data.js
  alias: { 'form-data': './src/shims/form-data.js' },
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // the extension: loaded by VS Code
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  // the webview scripts: run in the webview (browser), no Node
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { report: 'src/webviews/report/app/main.ts', wave: 'src/webviews/wave/app/main.ts' },
    outdir: 'dist/webview',
  },
  // the sandbox: a separate bundle, loaded only by "Try the Sandbox", and its CLI
  { ...common, entryPoints: { sandbox: 'src/sandbox/index.ts', 'sandbox-cli': 'src/sandbox/cli.ts' }, outdir: 'dist' },
];
if (!production) {
  builds.push(
    { ...common, entryPoints: { bench: 'bench/index.ts' }, outdir: 'dist' },
    // the benchmark's extension-host module (run by test/host/bench-host.mjs)
    { ...common, entryPoints: { host: 'bench/host/index.ts' }, outdir: 'out/bench' },
    { ...common, entryPoints: testEntries('test/unit'), outdir: 'out/test/unit', external: ['vscode', 'mocha'] },
    {
      ...common,
      entryPoints: testEntries('test/integration'),
      outdir: 'out/test/integration',
      external: ['vscode', 'mocha'],
    },
  );
}

/** The webview's icon font, copied from the package so that the .vsix (dist + media only) carries it. */
function copyCodicons() {
  fs.mkdirSync('media/vendor/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `media/vendor/codicons/${f}`);
  }
}

async function main() {
  copyCodicons();
  const existing = builds.filter((b) =>
    Object.values(b.entryPoints ?? {}).every((e) => fs.existsSync(typeof e === 'string' ? e : e.in)),
  );
  if (watch) {
    for (const b of existing) await (await esbuild.context(b)).watch();
    console.log('esbuild: watching');
    return;
  }
  const t0 = Date.now();
  await Promise.all(existing.map((b) => esbuild.build(b)));
  console.log(`esbuild: ${existing.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
