import * as assert from 'assert';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { atMost, info, type Figure } from '../../bench/figures';
import {
  README_END,
  README_START,
  benchJson,
  benchJsonProblems,
  readmeSection,
  replaceSection,
  updateReadme,
  type BenchJson,
} from '../../bench/readme';

const META = {
  date: '2026-11-27T10:00:00.000Z',
  machine: { cpu: 'AMD EPYC', cores: 2, ramGiB: 23.5, node: 'v20.20.2', platform: 'Linux x64' },
  host: 'VS Code 1.139.1 extension host, Node v24.21.0',
  latencyMs: 100,
};

const FIGURES: Figure[] = [
  atMost('cold load with tags (53 sites, 550 tags each): GitHub requests per site', 2.26, 'req', 2, 'n'),
  atMost('activation, reload / empty extension (VS Code host)', 9.5, '×', 15, 'n', '≤ 15 ×'),
  info('activation, reload (VS Code host)', 41.3, 'ms', 'absolute'),
];

describe('bench JSON and README table', () => {
  it('every figure carries its target and whether it is met', () => {
    const data = benchJson(META, FIGURES);
    assert.deepStrictEqual(benchJsonProblems(JSON.parse(JSON.stringify(data))), []);
    const [tags, ratio, absolute] = data.figures;
    assert.deepStrictEqual([tags?.target, tags?.met], ['≤ 2 req', false]);
    assert.deepStrictEqual([ratio?.target, ratio?.met], ['≤ 15 ×', true]);
    assert.deepStrictEqual([absolute?.target, absolute?.met], [null, true]);
  });

  it('a figure without target or met is refused', () => {
    const { met: _met, ...noMet } = FIGURES[0] as Figure;
    const { target: _target, ...noTarget } = FIGURES[1] as Figure;
    const problems = benchJsonProblems({ ...META, figures: [noMet, noTarget, FIGURES[2]] });
    assert.deepStrictEqual(problems, [
      'cold load with tags (53 sites, 550 tags each): GitHub requests per site: no met',
      'activation, reload / empty extension (VS Code host): no target',
    ]);
    assert.throws(() => benchJson(META, [noMet as Figure]), /no met/);
    assert.deepStrictEqual(benchJsonProblems({ ...META, figures: [] }), ['no figures']);
  });

  it('the README table comes from one run and only the text between the markers changes', () => {
    const data: BenchJson = { ...META, figures: FIGURES };
    const before = `# X\n\n## Performance\n\nintro\n\n${README_START}\n\nold table\n\n${README_END}\n\nHow to read it.\n`;
    const after = replaceSection(before, readmeSection(data));
    assert.ok(after.startsWith(`# X\n\n## Performance\n\nintro\n\n${README_START}\n\nMeasured with`));
    assert.ok(after.endsWith(`${README_END}\n\nHow to read it.\n`));
    assert.ok(!after.includes('old table'));
    assert.match(after, /on 2026-11-27: AMD EPYC, 2 cores/);
    assert.match(after, /\| activation, reload \/ empty extension \(VS Code host\) +\| 9\.50 × +\| ≤ 15 × +\| yes +\|/);
    assert.match(after, /GitHub requests per site +\| 2\.26 req +\| ≤ 2 req +\| \*\*NO\*\* \|/);
    assert.match(after, /1 target not met\./);
    // twice gives the same text
    assert.strictEqual(replaceSection(after, readmeSection(data)), after);
    assert.throws(() => replaceSection('# no markers\n', 'x'), /markers/);
  });

  it('the generated table is as prettier formats it, and the repository README has the markers once', async () => {
    const text = replaceSection(`${README_START}\n${README_END}\n`, readmeSection({ ...META, figures: FIGURES }));
    const prettier = createRequire(__filename)('prettier') as {
      format(t: string, o: { parser: string; printWidth: number }): Promise<string>;
    };
    assert.strictEqual(await prettier.format(text, { parser: 'markdown', printWidth: 120 }), text);
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    assert.strictEqual(readme.split(README_START).length, 2);
    assert.strictEqual(readme.split(README_END).length, 2);
  });

  it('--readme refuses a JSON whose figures lack target or met and leaves the README alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-bench-test-'));
    try {
      const readme = path.join(dir, 'README.md');
      const json = path.join(dir, 'bench.json');
      const original = `${README_START}\nold\n${README_END}\n`;
      fs.writeFileSync(readme, original);
      const { met: _met, ...noMet } = FIGURES[0] as Figure;
      fs.writeFileSync(json, JSON.stringify({ ...META, figures: [noMet] }));
      assert.throws(() => {
        updateReadme(json, readme);
      }, /no met/);
      assert.strictEqual(fs.readFileSync(readme, 'utf8'), original);
      fs.writeFileSync(json, JSON.stringify({ ...META, figures: FIGURES }));
      updateReadme(json, readme);
      assert.match(
        fs.readFileSync(readme, 'utf8'),
        /\| activation, reload \(VS Code host\) +\| 41\.3 ms +\| — +\| +\|/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
