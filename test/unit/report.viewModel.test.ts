/**
 * The report panel's view model (src/webviews/report/viewModel.ts) in plain Node: what the panel sends its webview,
 * built from a load's outcome — no VS Code, no browser.
 */
import * as assert from 'assert';
import * as path from 'path';
import { summarize, type BackstopReport, type ReportImage, type ReportTest } from '../../src/core/report/backstop';
import type { CompareJobInfo } from '../../src/core/report/job';
import type { LoadOutcome } from '../../src/core/report/outcome';
import type { HostMessage, ReportView } from '../../src/webviews/report/protocol';
import { headerOf, ReportViewModel, title } from '../../src/webviews/report/viewModel';

const JOB_DIR = path.resolve('/cache/gh_greenpeace_planet4-acme/42');
const uriOf = (file: string): string => `webview:${path.relative(JOB_DIR, file).split(path.sep).join('/')}`;

function image(p: string, facts: Partial<ReportImage> = {}): ReportImage {
  return { reportPath: `../${p}`, path: p, ...facts };
}

function test(key: string, status: 'pass' | 'fail', images: ReportTest['images'], label = 'Home'): ReportTest {
  return {
    key,
    label,
    viewportLabel: 'phone',
    selector: 'document',
    url: 'https://example.org/',
    status,
    requireSameDimensions: true,
    images,
  };
}

/** A passing test first in the report, a failing one (with one image of each fate) second. */
function outcome(facts: { fromCache?: boolean } = {}): Extract<LoadOutcome, { kind: 'ok' }> {
  const report: BackstopReport = {
    id: 'acme',
    tests: [
      test('pass.png', 'pass', { reference: image('ref/pass.png', { available: true }) }, 'About'),
      test('fail.png', 'fail', {
        reference: image('ref/fail.png', { available: true }),
        test: image('test/fail.png'),
        diff: image('diff/fail.png', { error: 'diff/fail.png is not among the artifacts of job 42.' }),
      }),
    ],
  };
  return {
    kind: 'ok',
    report,
    summary: summarize(report.tests),
    jobDir: JOB_DIR,
    fromCache: facts.fromCache ?? false,
    missingImages: 1,
    pendingImages: 1,
  };
}

function ready(view: ReportView): Extract<ReportView, { kind: 'ready' }> {
  if (view.kind !== 'ready') throw new Error(`expected a report, got ${JSON.stringify(view)}`);
  return view;
}

describe('report: the panel view model', () => {
  it('starts loading, and shows why there is no report', () => {
    const model = new ReportViewModel(uriOf);
    assert.deepStrictEqual(model.view, { kind: 'loading', message: 'Loading the visual report…' });
    model.show({ kind: 'gone', message: 'The artifacts of job 42 are gone.' });
    assert.deepStrictEqual(model.view, { kind: 'gone', message: 'The artifacts of job 42 are gone.' });
    assert.strictEqual(model.outcome?.kind, 'gone');
    model.error('Loading the visual report was canceled.');
    assert.deepStrictEqual(model.view, { kind: 'error', message: 'Loading the visual report was canceled.' });
  });

  it('shows the tests failures first, each image shown, on its way, or with the reason it is missing', () => {
    const model = new ReportViewModel(uriOf);
    model.show(outcome());
    const view = ready(model.view);
    assert.deepStrictEqual(
      view.tests.map((t) => t.key),
      ['fail.png', 'pass.png'],
    );
    assert.ok(!('requireSameDimensions' in (view.tests[0] ?? {})));
    assert.deepStrictEqual(view.tests[0]?.images, {
      reference: { src: 'webview:ref/fail.png' },
      test: { pending: true, id: 'test/fail.png' },
      diff: { error: 'diff/fail.png is not among the artifacts of job 42.' },
    });
    assert.deepStrictEqual(
      {
        passed: view.passed,
        failed: view.failed,
        pendingImages: view.pendingImages,
        missingImages: view.missingImages,
      },
      { passed: 1, failed: 1, pendingImages: 1, missingImages: 1 },
    );
  });

  it('counts an image whose URI cannot be made as missing, and one not downloaded in a complete cache too', () => {
    const model = new ReportViewModel(() => {
      throw new Error('no URI');
    });
    model.show(outcome({ fromCache: true }));
    const view = ready(model.view);
    const failing = view.tests[0];
    assert.ok(failing);
    assert.deepStrictEqual(failing.images.reference, { error: 'no URI' });
    assert.deepStrictEqual(failing.images.test, { error: 'The image is not available.' });
    assert.strictEqual(view.pendingImages, 0);
    assert.strictEqual(view.missingImages, 4);
  });

  it('swaps landed images in, once, and batches them into one images message with the counts', () => {
    const model = new ReportViewModel(uriOf);
    model.show(outcome());
    assert.strictEqual(model.takeImages(), undefined);
    assert.ok(model.land({ path: 'test/fail.png', available: true }));
    assert.ok(!model.land({ path: 'test/fail.png', available: true }), 'landed already');
    assert.ok(!model.land({ path: 'ref/other.png', available: true }), 'not on its way');
    const view = ready(model.view);
    assert.deepStrictEqual(view.tests[0]?.images.test, { id: 'test/fail.png', src: 'webview:test/fail.png' });
    const message: HostMessage | undefined = model.takeImages();
    assert.deepStrictEqual(message, {
      type: 'images',
      images: [{ id: 'test/fail.png', src: 'webview:test/fail.png' }],
      pendingImages: 0,
      missingImages: 1,
    });
    assert.strictEqual(model.takeImages(), undefined, 'the batch was taken');
  });

  it('counts a failed download as missing, and forgets the images on their way when the downloads stop', () => {
    const failed = new ReportViewModel(uriOf);
    failed.show(outcome());
    assert.ok(failed.land({ path: 'test/fail.png', available: false, error: 'Could not download test/fail.png: 503' }));
    assert.deepStrictEqual(failed.takeImages(), {
      type: 'images',
      images: [{ id: 'test/fail.png', error: 'Could not download test/fail.png: 503' }],
      pendingImages: 0,
      missingImages: 2,
    });

    const stopped = new ReportViewModel(uriOf);
    stopped.show(outcome());
    stopped.forgetImages();
    assert.ok(!stopped.land({ path: 'test/fail.png', available: true }));
    stopped.show(outcome());
    assert.ok(stopped.land({ path: 'test/fail.png', available: true }));
    stopped.loading('Loading the visual report…');
    assert.strictEqual(stopped.takeImages(), undefined, 'no images message while no report is shown');
  });

  it('sends the header and the whole view in an update, and returns the result of the command', () => {
    const model = new ReportViewModel(uriOf);
    assert.deepStrictEqual(model.result('acme', 42), { site: 'acme', jobNumber: 42, state: 'loading' });
    model.show(outcome());
    const header = { site: 'acme', onHold: [] };
    assert.deepStrictEqual(model.update(header), { type: 'update', header, view: model.view });
    assert.deepStrictEqual(model.result('acme', 42), {
      site: 'acme',
      jobNumber: 42,
      state: 'ready',
      passed: 1,
      failed: 1,
      total: 2,
      fromCache: false,
      cacheDir: JOB_DIR,
      imagesPending: 1,
      missingImages: 1,
    });
  });

  it('heads the panel with the live job while the fleet describes it, else with the job it loaded', () => {
    const loaded: CompareJobInfo = {
      site: 'acme',
      slug: 'gh/greenpeace/planet4-acme',
      jobNumber: 42,
      status: 'failed',
      finished: true,
      tag: 'v1.2.3',
      pipelineNumber: 7,
      durationMs: 95000,
      jobUrl: 'https://app.circleci.com/pipelines/github/greenpeace/planet4-acme/7/workflows/w/jobs/42',
      onHold: [],
    };
    const live: CompareJobInfo = { ...loaded, status: 'success', onHold: ['hold-production'] };
    assert.deepStrictEqual(headerOf('acme', 42, live, loaded), {
      site: 'acme',
      onHold: ['hold-production'],
      jobNumber: 42,
      tag: 'v1.2.3',
      pipelineNumber: 7,
      jobStatus: 'success',
      durationMs: 95000,
      jobUrl: loaded.jobUrl,
    });
    const moved: CompareJobInfo = { ...live, jobNumber: 43, tag: 'v1.2.4', status: 'running' };
    assert.deepStrictEqual(headerOf('acme', 42, moved, loaded), {
      ...headerOf('acme', 42, loaded, loaded),
      onHold: [],
    });
    assert.deepStrictEqual(headerOf('acme', undefined, undefined, undefined), { site: 'acme', onHold: [] });
  });

  it('titles the panel with the site and its job', () => {
    assert.strictEqual(title('acme', 42), 'Visual report: acme #42');
    assert.strictEqual(title('acme', undefined), 'Visual report: acme');
  });
});

describe('report header: the workflow it shows', () => {
  it('carries the release workflow while the fleet still describes the job, not after', () => {
    const live: CompareJobInfo = {
      site: 'africa',
      slug: 's',
      jobNumber: 7,
      finished: true,
      onHold: [],
      workflowId: 'w-1',
    };
    assert.strictEqual(headerOf('africa', 7, { ...live, onHold: ['hold-production'] }, undefined).workflowId, 'w-1');
    assert.strictEqual(headerOf('africa', 6, live, { ...live, jobNumber: 6 }).workflowId, undefined);
  });
});
