import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  extractJsonp,
  groupByScenario,
  orderForDisplay,
  parseBackstopReport,
  ReportFormatError,
  summarize,
} from '../../src/core/report/backstop';
import { compareJobOf, jobWebUrl } from '../../src/core/report/job';
import { fileInside, resolveReportPath, slugFolder } from '../../src/core/report/safePath';
import { reportHtml } from '../../src/webviews/report/html';
import { escapeHtml, isWebviewMessage } from '../../src/webviews/report/protocol';
import type { SiteSnapshot } from '../../src/core/fleet/types';

const ROOT = path.resolve(__dirname, '../../..');
const CONFIG = path.join(ROOT, 'resources/sandbox/backstop/small/backstop_data/html_report/config.js');
const HOSTILE = '<img src=x onerror=alert(1)>';

function hostileConfig(pairs: Record<string, unknown>[]): string {
  const tests = pairs.map((p) => ({
    pair: {
      reference: '../bitmaps_reference/a.png',
      test: '../bitmaps_test/1/a.png',
      selector: 'document',
      fileName: 'a.png',
      label: 'A',
      viewportLabel: 'phone',
      misMatchThreshold: 0.1,
      url: 'http://x',
      ...p,
    },
    status: 'fail',
  }));
  return `report(${JSON.stringify({ testSuite: 'BackstopJS', tests, id: 'x' })});`;
}

describe('report: BackstopJS config.js', () => {
  const report = parseBackstopReport(fs.readFileSync(CONFIG, 'utf8'));

  it('parses the real report: 12 tests, 8 passed, 4 failed', () => {
    assert.strictEqual(report.tests.length, 12);
    assert.deepStrictEqual(summarize(report.tests), { total: 12, passed: 8, failed: 4 });
    assert.strictEqual(typeof report.id, 'string');
    assert.strictEqual(new Set(report.tests.map((t) => t.key)).size, 12, 'keys are unique');
  });

  it('reads the size change', () => {
    const t = report.tests.find((x) => x.key === 'acme_site_About_0_document_0_phone.png');
    assert.ok(t);
    assert.strictEqual(t.status, 'fail');
    assert.strictEqual(t.sameDimensions, false);
    assert.deepStrictEqual(t.dimensionDifference, { width: 0, height: -168 });
    assert.strictEqual(t.misMatchPercentage, 20.69);
    assert.strictEqual(typeof t.misMatchPercentage, 'number');
    assert.strictEqual(t.threshold, 0.1);
    assert.strictEqual(t.label, 'About');
    assert.strictEqual(t.viewportLabel, 'phone');
    assert.strictEqual(t.selector, 'document');
    assert.strictEqual(t.url, 'http://127.0.0.1:8765/about.html');
    assert.deepStrictEqual(t.images.reference, {
      reportPath: '../bitmaps_reference/acme_site_About_0_document_0_phone.png',
      path: 'bitmaps_reference/acme_site_About_0_document_0_phone.png',
    });
    assert.strictEqual(t.images.test?.path, 'bitmaps_test/20261126-042719/acme_site_About_0_document_0_phone.png');
    assert.strictEqual(
      t.images.diff?.path,
      'bitmaps_test/20261126-042719/failed_diff_acme_site_About_0_document_0_phone.png',
    );
  });

  it('reads a pass with a non-zero mismatch under its threshold', () => {
    const t = report.tests.find((x) => x.key === 'acme_site_Pricing_0_document_0_phone.png');
    assert.ok(t);
    assert.strictEqual(t.status, 'pass');
    assert.strictEqual(t.misMatchPercentage, 0.02);
    assert.strictEqual(t.threshold, 5);
    assert.strictEqual(t.images.diff, undefined);
  });

  it('reads a missing reference: an error and no diff', () => {
    const missing = report.tests.filter((t) => t.error !== undefined);
    assert.ok(missing.length >= 1);
    for (const t of missing) {
      assert.strictEqual(t.status, 'fail');
      assert.match(t.error ?? '', /reference/i);
      assert.strictEqual(t.images.diff, undefined);
      assert.strictEqual(t.misMatchPercentage, undefined);
    }
  });

  it('groups by scenario, failures first', () => {
    const groups = groupByScenario(report.tests);
    const firstPassing = groups.findIndex((g) => g.failed === 0);
    assert.ok(firstPassing > 0);
    assert.ok(
      groups.slice(firstPassing).every((g) => g.failed === 0),
      'groups with failures come first',
    );
    for (const g of groups) {
      const statuses = g.tests.map((t) => t.status);
      assert.deepStrictEqual(statuses, [...statuses].sort(), `failures first within ${g.label}`);
    }
    assert.strictEqual(new Set(groups.map((g) => g.label)).size, groups.length);
    assert.strictEqual(orderForDisplay(report.tests).length, 12);
    assert.strictEqual(orderForDisplay(report.tests)[0]?.status, 'fail');
  });

  it('parses the JSONP as data and never evaluates it', () => {
    assert.throws(() => extractJsonp('alert(1); report({"tests": []});'), ReportFormatError);
    assert.throws(() => extractJsonp('report({"tests": []}); alert(1)'), ReportFormatError);
    assert.throws(() => extractJsonp('report({tests: (() => 1)()});'), ReportFormatError);
    assert.throws(() => parseBackstopReport('report({"tests": {}});'), /tests/);
    assert.throws(() => parseBackstopReport('report({"tests": [{"pair": {}, "status": "maybe"}]});'), /status/);
    assert.deepStrictEqual(parseBackstopReport('\uFEFF report ( {"tests": [], "id": "i"} ) ;\n'), {
      id: 'i',
      tests: [],
    });
  });

  it('keeps a hostile label as data', () => {
    const r = parseBackstopReport(hostileConfig([{ label: HOSTILE, viewportLabel: HOSTILE, error: HOSTILE }]));
    const t = r.tests[0];
    assert.ok(t);
    assert.strictEqual(t.label, HOSTILE);
    assert.strictEqual(t.viewportLabel, HOSTILE);
    assert.strictEqual(t.error, HOSTILE);
  });

  it('refuses hostile and absolute image paths, and keeps the test with an error', () => {
    const r = parseBackstopReport(
      hostileConfig([
        { fileName: 'a', reference: '../../x', test: '/etc/passwd.png', diffImage: '..\\..\\x.png' },
        { fileName: 'b', reference: '../../../../home/x.png', test: 'C:/x.png', diffImage: 'file:///x.png' },
        { fileName: 'c', reference: '../bitmaps_reference/a\u0000.png', test: '../bitmaps_test/1/x.js' },
      ]),
    );
    assert.strictEqual(r.tests.length, 3);
    for (const t of r.tests) {
      for (const img of Object.values(t.images)) {
        assert.strictEqual(img.path, undefined, `${img.reportPath} must be refused`);
        assert.match(img.error ?? '', /Refused/);
      }
    }
  });
});

describe('report: safe paths', () => {
  it('resolves report paths relative to html_report into backstop_data', () => {
    assert.deepStrictEqual(resolveReportPath('../bitmaps_reference/x.png'), {
      ok: true,
      path: 'bitmaps_reference/x.png',
    });
    assert.deepStrictEqual(resolveReportPath('./../bitmaps_test/r/x.png'), { ok: true, path: 'bitmaps_test/r/x.png' });
    assert.deepStrictEqual(resolveReportPath('img/x.png'), { ok: true, path: 'html_report/img/x.png' });
  });

  it('refuses ../../x, absolute paths, drive letters, URLs, backslashes and NUL', () => {
    for (const p of [
      '../../x',
      '../..',
      '..',
      '/x.png',
      '/app/backstop_data/x.png',
      'C:\\x.png',
      'c:/x.png',
      'https://evil/x.png',
      'a\\b.png',
      'a\u0000.png',
      '',
      '../a/../../x',
    ]) {
      const r = resolveReportPath(p);
      assert.strictEqual(r.ok, false, `${JSON.stringify(p)} must be refused`);
    }
    assert.strictEqual(resolveReportPath('../bitmaps_test/x.html', { imageOnly: true }).ok, false);
  });

  it('never gives a file outside the job folder', () => {
    const dir = path.join('/tmp', 'cache', 'job');
    assert.strictEqual(fileInside(dir, 'bitmaps_reference/x.png'), path.join(dir, 'bitmaps_reference', 'x.png'));
    assert.throws(() => fileInside(dir, '../x'));
    assert.throws(() => fileInside(dir, '../../etc/passwd'));
    assert.throws(() => fileInside(dir, ''));
    assert.strictEqual(slugFolder('gh/greenpeace/planet4-x'), 'gh_greenpeace_planet4-x');
    assert.throws(() => slugFolder('..'));
  });
});

describe('report: webview HTML and messages', () => {
  it('escapes every string of the HTML shell', () => {
    assert.strictEqual(escapeHtml(HOSTILE), '&#60;img src=x onerror=alert(1)&#62;');
    assert.strictEqual(escapeHtml(`"'&\``), '&#34;&#39;&#38;&#96;');
    const html = reportHtml({
      cspSource: 'https://csp.example',
      nonce: 'abc123',
      scriptUri: 'https://csp.example/report.js',
      styleUri: 'https://csp.example/report.css',
      codiconsUri: 'https://csp.example/codicon.css',
      title: HOSTILE,
    });
    assert.ok(!html.includes('<img'), 'no raw <img from data');
    assert.ok(!html.includes('onerror=alert(1)>'));
    // attribute values are escaped: the browser reads &#39; as '
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    assert.strictEqual(
      csp,
      "default-src 'none'; img-src https://csp.example; style-src https://csp.example; font-src https://csp.example; script-src 'nonce-abc123'",
    );
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    const scripts = html.match(/<script[^>]*>/g);
    assert.strictEqual(scripts?.length, 1);
    assert.match(scripts[0], /nonce="abc123"/);
    assert.doesNotMatch(html, /style="/);
  });

  it('the webview script builds DOM with text only (no innerHTML, no eval), in every one of its modules', () => {
    const dir = path.join(ROOT, 'src/webviews/report/app');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 1 && files.includes('main.ts'), files.join(', '));
    for (const f of files) {
      const source = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, f);
    }
  });

  it('accepts only known messages from the webview', () => {
    assert.ok(isWebviewMessage({ type: 'approve', job: 'hold-production' }));
    assert.ok(isWebviewMessage({ type: 'ready' }));
    assert.ok(!isWebviewMessage({ type: 'approve', job: 'deploy-production' }));
    assert.ok(!isWebviewMessage({ type: 'run', command: 'x' }));
    assert.ok(!isWebviewMessage(null));
  });

  it("accepts a 'want' message only with a bounded list of non-empty string ids", () => {
    assert.ok(isWebviewMessage({ type: 'want', ids: ['bitmaps_test/1/a.png'] }));
    assert.ok(isWebviewMessage({ type: 'want', ids: [] }));
    assert.ok(!isWebviewMessage({ type: 'want' }));
    assert.ok(!isWebviewMessage({ type: 'want', ids: 'bitmaps_test/1/a.png' }));
    assert.ok(!isWebviewMessage({ type: 'want', ids: [1] }));
    assert.ok(!isWebviewMessage({ type: 'want', ids: [''] }));
    assert.ok(!isWebviewMessage({ type: 'want', ids: ['x'.repeat(1025)] }));
    assert.ok(!isWebviewMessage({ type: 'want', ids: Array.from({ length: 201 }, (_, i) => `${i}.png`) }));
  });
});

describe('report: compare job of a snapshot', () => {
  const snapshot: SiteSnapshot = {
    site: 'x',
    slug: 'gh/greenpeace/planet4-x',
    state: 'waiting',
    pipeline: { id: 'p', number: 42, tag: 'v1.2.3', createdAt: '', revision: 'abc' },
    workflow: { id: 'w-1', name: 'production', kind: 'production', status: 'on_hold', createdAt: '' },
    stages: [
      {
        name: 'visualtests-compare',
        id: 'j',
        type: 'build',
        status: 'failed',
        jobNumber: 7,
        startedAt: '2026-01-01T00:00:00Z',
        stoppedAt: '2026-01-01T00:01:30Z',
        dependencies: [],
      },
      { name: 'hold-production', id: 'a', type: 'approval', status: 'on_hold', dependencies: [] },
      { name: 'rollback-staging', id: 'b', type: 'approval', status: 'success', dependencies: [] },
    ],
  };

  it('finds the job, its duration, its web URL and the approvals on hold', () => {
    const info = compareJobOf(snapshot);
    assert.strictEqual(info.jobNumber, 7);
    assert.strictEqual(info.finished, true);
    assert.strictEqual(info.durationMs, 90_000);
    assert.strictEqual(info.tag, 'v1.2.3');
    assert.deepStrictEqual(info.onHold, ['hold-production']);
    assert.strictEqual(
      info.jobUrl,
      'https://app.circleci.com/pipelines/github/greenpeace/planet4-x/42/workflows/w-1/jobs/7',
    );
    assert.strictEqual(jobWebUrl('nonsense', 1, 'w', 1), undefined);
  });

  it('says running, and no job', () => {
    const running = compareJobOf({
      ...snapshot,
      stages: [
        { name: 'visualtests-compare', id: 'j', type: 'build', status: 'running', jobNumber: 7, dependencies: [] },
      ],
    });
    assert.strictEqual(running.finished, false);
    const none = compareJobOf({ ...snapshot, stages: [] });
    assert.strictEqual(none.jobNumber, undefined);
  });
});
