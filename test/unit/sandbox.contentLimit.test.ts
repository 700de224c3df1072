import * as assert from 'node:assert/strict';
import { ContentLimit, SECONDARY_LIMIT_MESSAGE } from '../../src/sandbox/contentLimit';
import { startSandbox, type Sandbox } from '../../src/sandbox/index';
import { gh, obj, str } from './sandbox.helpers.test';

describe("sandbox: GitHub's secondary rate limit on content creation", function () {
  this.timeout(20000);
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ scenario: 'mixed', contentPerMinute: 3 });
  });
  after(async () => {
    await sb.close();
  });

  it('answers 403 with the documented message and retry-after past N content-creating requests a minute', async () => {
    const site = sb.sites[0] ?? 'africa';
    const repo = `/repos/greenpeace/planet4-${site}`;
    const head = sb.mainHead(site).sha;
    const tagObject = async (tag: string): Promise<number> =>
      (
        await gh(sb, `${repo}/git/tags`, {
          method: 'POST',
          body: { tag, message: tag, object: head, type: 'commit' },
        })
      ).status;
    // Reads are not content creation: any number of them.
    for (let i = 0; i < 5; i++) assert.equal((await gh(sb, `${repo}/git/matching-refs/tags`)).status, 200);
    assert.equal(await tagObject('v90.0.1'), 201);
    assert.equal(await tagObject('v90.0.2'), 201);
    const ref = await gh(sb, `${repo}/git/refs`, { method: 'POST', body: { ref: 'refs/heads/limit', sha: head } });
    assert.equal(ref.status, 201);
    const refused = await gh(sb, `${repo}/git/refs`, { method: 'POST', body: { ref: 'refs/heads/over', sha: head } });
    assert.equal(refused.status, 403);
    assert.equal(str(obj(refused.body).message), SECONDARY_LIMIT_MESSAGE);
    assert.match(SECONDARY_LIMIT_MESSAGE, /^You have exceeded a secondary rate limit/);
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `retry-after ${String(retry)}`);
    // Nothing was created by the refused request, and every kind of content creation is refused now.
    assert.equal((await gh(sb, `${repo}/git/ref/heads/over`)).status, 404);
    assert.equal(await tagObject('v90.0.3'), 403);
    const patch = await gh(sb, `${repo}/git/refs/heads/limit`, { method: 'PATCH', body: { sha: head } });
    assert.equal(patch.status, 403);
    const commit = await gh(sb, `${repo}/git/commits`, {
      method: 'POST',
      body: { message: 'x', tree: 'f'.repeat(40), parents: [head] },
    });
    assert.equal(commit.status, 403);
  });

  it('is a rolling minute: a request is allowed again once the oldest counted one is 60 s old', () => {
    let now = 1_000_000;
    const limit = new ContentLimit(2, () => now);
    assert.equal(limit.check('POST /git/tags'), undefined);
    now += 30_000;
    assert.equal(limit.check('PATCH /git/refs/heads/main'), undefined);
    now += 1_000;
    const refused = limit.check('POST /git/commits');
    assert.equal(refused?.status, 403);
    assert.equal(refused.headers?.['retry-after'], '29');
    assert.equal(limit.check('GET /git/refs/heads/main'), undefined, 'reads are not counted');
    now += 29_000; // the first one is 60 s old
    assert.equal(limit.check('POST /git/refs'), undefined);
    assert.equal(limit.check('POST /git/refs')?.status, 403);
  });

  it('allows 80 a minute by default', () => {
    const limit = new ContentLimit(undefined, () => 0);
    for (let i = 0; i < 80; i++) assert.equal(limit.check('POST /git/tags'), undefined, `request ${String(i + 1)}`);
    assert.equal(limit.check('POST /git/tags')?.status, 403);
  });
});
