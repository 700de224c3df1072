import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TagBatchOutcome } from '../../src/commands/tagBatch';
import type { Planet4Api } from '../../src/extension';
import type { RequestLogEntry, Sandbox } from '../../src/sandbox';
import { assertNeverForced, mutations, sandbox, spareSites } from './support';

const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');

type Window = Record<string, unknown>;

/** Replaces a `vscode.window` function while `run` runs. */
async function replacing<T>(name: string, stand: unknown, run: () => Promise<T>): Promise<T> {
  const window = vscode.window as unknown as Window;
  const original = window[name];
  window[name] = stand;
  try {
    return await run();
  } finally {
    window[name] = original;
  }
}

/** The non-modal messages shown while `run` runs (they still go to VS Code). */
async function messages<T>(run: () => Promise<T>): Promise<{ result: T; shown: string[] }> {
  const window = vscode.window as unknown as Window;
  const info = window.showInformationMessage as (...a: unknown[]) => unknown;
  const warning = window.showWarningMessage as (...a: unknown[]) => unknown;
  const shown: string[] = [];
  const record =
    (kind: string, original: (...a: unknown[]) => unknown) =>
    (message: string, ...rest: unknown[]): unknown => {
      shown.push(`${kind}: ${message}`);
      return original.call(vscode.window, message, ...rest);
    };
  const result = await replacing('showInformationMessage', record('info', info), () =>
    replacing('showWarningMessage', record('warning', warning), run),
  );
  return { result, shown };
}

function batch(api: Planet4Api, sites: string[]): Thenable<TagBatchOutcome[]> {
  const nodes = sites.map((s) => api.pipelines.nodeFor(s));
  return vscode.commands.executeCommand<TagBatchOutcome[]>('planet4.createReleaseTag', nodes[0], nodes);
}

const siteOf = (r: RequestLogEntry): string => /planet4-([^/]+)\//.exec(r.path)?.[1] ?? '';

describe('batch tagging: paced like the bot', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  let take: () => string;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    take = spareSites(api, sb);
  });
  beforeEach(() => {
    sb.clearRequests();
  });
  afterEach(async () => {
    await config().update('batch.spacingSeconds', undefined, vscode.ConfigurationTarget.Global);
    assertNeverForced(sb);
  });
  after(async () => {
    await api.stopSandbox();
  });

  it('sends one site at a time, planet4.batch.spacingSeconds apart, each tagged once, then one summary', async () => {
    await config().update('batch.spacingSeconds', 4, vscode.ConfigurationTarget.Global);
    const sites = [take(), take(), take()];
    const expected = sites.map((s) => api.fleet.get(s)?.next?.nextTag);
    const { result, shown } = await messages(() => Promise.resolve(batch(api, sites)));
    assert.deepStrictEqual(
      result.map((r) => `${r.site} ${r.outcome} ${r.tag ?? ''}`),
      sites.map((s, i) => `${s} tagged ${expected[i] ?? ''}`),
    );
    const m = mutations(sb);
    for (const s of sites) {
      const of = m.filter((r) => siteOf(r) === s).map((r) => `${r.method} ${r.path.replace(/.*planet4-[^/]+/, '')}`);
      assert.deepStrictEqual(of, ['POST /git/tags', 'POST /git/refs'], `${s} was tagged once`);
    }
    for (let i = 1; i < sites.length; i++) {
      const lastOfPrevious = Math.max(...m.filter((r) => siteOf(r) === sites[i - 1]).map((r) => r.time));
      const firstOfNext = Math.min(...m.filter((r) => siteOf(r) === sites[i]).map((r) => r.time));
      assert.ok(
        firstOfNext - lastOfPrevious >= 4000,
        `${sites[i] ?? ''} was sent ${String(firstOfNext - lastOfPrevious)} ms after ${sites[i - 1] ?? ''}`,
      );
    }
    const summary = shown.filter((s) => s.includes('Tagged 3 of 3 sites.'));
    assert.strictEqual(summary.length, 1, shown.join('\n'));
    assert.ok(summary[0]?.startsWith('info: '));
    for (const [i, s] of sites.entries()) assert.ok(summary[0]?.includes(`${s}: tagged ${expected[i] ?? ''} on `));
  });

  it('a cancel stops before the next site: the rest are "not tagged (cancelled)" and nothing is sent for them', async () => {
    await config().update('batch.spacingSeconds', 30, vscode.ConfigurationTarget.Global);
    const sites = [take(), take(), take()];
    const withProgress = vscode.window.withProgress.bind(vscode.window);
    // The notification's Cancel button, pressed once the first site's tag ref is created.
    const cancelling = (
      options: vscode.ProgressOptions,
      task: (p: vscode.Progress<unknown>, t: vscode.CancellationToken) => Thenable<unknown>,
    ): Thenable<unknown> => {
      if (!options.cancellable) return withProgress(options, task);
      const source = new vscode.CancellationTokenSource();
      const timer = setInterval(() => {
        if (mutations(sb).some((r) => r.path.endsWith('/git/refs') && r.status === 201)) source.cancel();
      }, 20);
      return withProgress(options, (p) => task(p, source.token)).then(
        (v) => {
          clearInterval(timer);
          return v;
        },
        (e: unknown) => {
          clearInterval(timer);
          throw e;
        },
      );
    };
    const t0 = Date.now();
    const { result, shown } = await messages(() =>
      replacing('withProgress', cancelling, () => Promise.resolve(batch(api, sites))),
    );
    assert.ok(Date.now() - t0 < 25_000, 'the cancel did not wait out the spacing');
    assert.deepStrictEqual(
      result.map((r) => r.outcome),
      ['tagged', 'cancelled', 'cancelled'],
    );
    assert.deepStrictEqual(
      [...new Set(mutations(sb).map(siteOf))],
      [sites[0]],
      'nothing was sent for the cancelled sites',
    );
    const summary = shown.find((s) => s.includes('Tagged 1 of 3 sites.'));
    assert.ok(summary?.startsWith('warning: '), shown.join('\n'));
    assert.ok(summary?.includes(`${sites[1] ?? ''}: not tagged (cancelled)`));
    assert.ok(summary?.includes(`${sites[2] ?? ''}: not tagged (cancelled)`));
  });
});

describe("batch tagging: GitHub's secondary rate limit", function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;

  before(async () => {
    // 6 content-creating requests a minute: one tag-with-hold (4) and half of the next (2).
    ({ api, sb } = await sandbox({ scenario: 'mixed', contentPerMinute: 6 }));
    await config().update('batch.spacingSeconds', 0, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await config().update('batch.spacingSeconds', undefined, vscode.ConfigurationTarget.Global);
    await config().update('confirmActions', false, vscode.ConfigurationTarget.Global);
    await api.stopSandbox();
  });

  it('lists a site refused by the limit with the reason, and one left with [HOLD] on main but no tag; nothing retried', async () => {
    const take = spareSites(api, sb);
    const sites = [take(), take(), take()];
    const tags = sites.map((s) => api.fleet.get(s)?.next?.nextTag ?? '');
    sb.clearRequests();
    await config().update('confirmActions', true, vscode.ConfigurationTarget.Global);
    const warning = vscode.window.showWarningMessage.bind(vscode.window) as (...a: unknown[]) => unknown;
    const answer = (message: string, ...rest: unknown[]): unknown => {
      const [options] = rest;
      if (typeof options === 'object' && options !== null && (options as { modal?: boolean }).modal)
        return Promise.resolve('Tag all with [HOLD]');
      return warning(message, ...rest);
    };
    const { result, shown } = await replacing('showWarningMessage', answer, () =>
      messages(() => Promise.resolve(batch(api, sites))),
    );
    assert.deepStrictEqual(
      result.map((r) => r.outcome),
      ['tagged', 'partlyDone', 'refused'],
    );
    const [first, second, third] = result;
    assert.match(second?.line ?? '', /partly done \(\[HOLD\] commit on main, tag v[\d.]+ not created\)/);
    assert.match(second?.line ?? '', /rate limiting requests/);
    assert.match(third?.line ?? '', /refused — .*rate limiting requests: try again in/);
    assert.strictEqual(first?.held, true);
    assert.match(sb.mainHead(sites[1] ?? '').message, /\[HOLD\]/, 'the [HOLD] commit stayed on main');
    const m = mutations(sb);
    const keys = m.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`);
    assert.strictEqual(new Set(keys).size, keys.length, 'each mutation request sent once');
    assert.deepStrictEqual(
      m.map((r) => `${siteOf(r)} ${r.method} ${r.path.replace(/.*planet4-[^/]+/, '')} ${String(r.status)}`),
      [
        `${sites[0] ?? ''} POST /git/commits 201`,
        `${sites[0] ?? ''} PATCH /git/refs/heads/main 200`,
        `${sites[0] ?? ''} POST /git/tags 201`,
        `${sites[0] ?? ''} POST /git/refs 201`,
        `${sites[1] ?? ''} POST /git/commits 201`,
        `${sites[1] ?? ''} PATCH /git/refs/heads/main 200`,
        `${sites[1] ?? ''} POST /git/tags 403`,
        `${sites[2] ?? ''} POST /git/commits 403`,
      ],
    );
    const summary = shown.find((s) => s.includes('Tagged 1 of 3 sites.'));
    assert.ok(summary?.startsWith('warning: '), shown.join('\n'));
    assert.ok(summary?.includes(`${sites[2] ?? ''}: ${tags[2] ?? ''} refused`));
    assert.ok(summary?.includes(`${sites[1] ?? ''}: partly done`));
  });
});
