import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { ApiError, describeWait, errorForStatus, redact } from '../../src/core/api/errors';
import { parseRetryAfter } from '../../src/core/util/limiter';

/** A loopback server recording the Circle-Token header of every request. */
async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{
  url: string;
  tokens: (string | undefined)[];
  close: () => Promise<void>;
}> {
  const tokens: (string | undefined)[] = [];
  const s = http.createServer((req, res) => {
    tokens.push(req.headers['circle-token'] as string | undefined);
    handler(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    close: () =>
      new Promise<void>((r) => {
        s.close(() => {
          r();
        });
      }),
  };
}

describe('clients: what never leaks and how failures read', () => {
  it('sends the CircleCI token to the API host but not to another host an artifact redirects to', async () => {
    const other = await server((_req, res) => {
      res.end('image');
    });
    const api = await server((_req, res) => {
      res.writeHead(302, { location: `${other.url}/elsewhere.png` });
      res.end();
    });
    try {
      const client = new CircleCiClient({ baseUrl: `${api.url}/api/v2`, token: () => 'secret-token-123' });
      const body = await client.download(`${api.url}/output/job/x/artifacts/0/a.png`, { maxBytes: 1024 });
      assert.strictEqual(body.toString(), 'image');
      assert.deepStrictEqual(api.tokens, ['secret-token-123'], 'the API host gets the token');
      assert.deepStrictEqual(other.tokens, [undefined], 'the other host does not');
    } finally {
      await api.close();
      await other.close();
    }
  });

  it('never puts the token in an error message', async () => {
    const client = new CircleCiClient({
      baseUrl: 'http://127.0.0.1:9/api/v2',
      token: () => 'secret-token-123',
      maxRetries: 0,
    });
    await assert.rejects(client.me(), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.strictEqual(e.kind, 'network');
      assert.ok(!e.message.includes('secret-token-123'));
      return true;
    });
  });

  it('redacts credentials from any text', () => {
    const text =
      'Authorization: Bearer abcdefghijkl Circle-Token: CCIPAT_abcdefghijklmnop token ghp_abcdefghijklmnopqrstuvwxyz github_pat_11ABCDEFG_xyz';
    const out = redact(text, ['my-own-secret']);
    for (const leak of [
      'abcdefghijkl',
      'CCIPAT_abcdefghijklmnop',
      'ghp_abcdefghijklmnopqrstuvwxyz',
      'github_pat_11ABCDEFG_xyz',
    ]) {
      assert.ok(!out.includes(leak), `${leak} in ${out}`);
    }
    assert.strictEqual(redact('the my-own-secret value', ['my-own-secret']), 'the *** value');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.strictEqual(parseRetryAfter('120'), 120_000);
    assert.strictEqual(parseRetryAfter('1.5'), 1500);
    const now = Date.parse('2026-11-26T10:00:00Z');
    assert.strictEqual(parseRetryAfter('Thu, 26 Nov 2026 10:01:00 GMT', now), 60_000);
    assert.strictEqual(parseRetryAfter('soon'), undefined);
    assert.strictEqual(parseRetryAfter(undefined), undefined);
  });

  it('words every status for a release manager', () => {
    assert.match(
      errorForStatus('circleci', 401, 'You must log in first', 'list').message,
      /CircleCI rejected the token/,
    );
    assert.strictEqual(errorForStatus('circleci', 404, 'Project not found', 'x').kind, 'notFound');
    const limited = errorForStatus('github', 429, undefined, 'x', 125_000);
    assert.strictEqual(limited.kind, 'rateLimited');
    assert.match(limited.message, /try again in 3 min/);
    assert.strictEqual(errorForStatus('github', 422, 'Reference already exists', 'x').kind, 'conflict');
    assert.strictEqual(errorForStatus('circleci', 503, undefined, 'x').kind, 'server');
    assert.strictEqual(describeWait(500), '1 s');
    assert.strictEqual(describeWait(7_200_000), '2 h');
  });
});
