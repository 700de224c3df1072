// Trust: where a token may go, and how long and how big any answer may be — against real loopback servers that
// misbehave on purpose (trickle, flood, gzip bombs, foreign Link headers, redirects, cycles). Plain Node.
import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as zlib from 'zlib';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { ApiError } from '../../src/core/api/errors';
import { GitHubClient } from '../../src/core/api/github/client';
import { nextLink, pages } from '../../src/core/api/pages';
import { checkApiUrl, isLoopbackHost, withDeadline } from '../../src/core/api/transport';
import { Fleet, parseSitesTxt } from '../../src/core/fleet/fleet';
import { RequestLimiter } from '../../src/core/util/limiter';
import { isOrganizationName, isSiteName, normalizeSiteName } from '../../src/core/util/names';
import { userOnlyValue } from '../../src/core/util/userSetting';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  circleToken: string | undefined;
}

interface TestServer {
  url: string;
  seen: Seen[];
  close: () => Promise<void>;
}

/** A loopback server recording every request's credentials. */
async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<import('net').Socket>();
  const s = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      auth: req.headers.authorization,
      circleToken: req.headers['circle-token'] as string | undefined,
    });
    handler(req, res);
  });
  s.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => {
          r();
        });
      }),
  };
}

/** Answers 200 with headers at once, then one byte every `everyMs`, for ever (a slowloris-style answer). */
function trickle(everyMs: number): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const t = setInterval(() => {
      res.write(' ');
    }, everyMs);
    res.on('close', () => {
      clearInterval(t);
    });
  };
}

const json = (res: http.ServerResponse, body: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const tag = (name: string): unknown => ({
  name,
  commit: { sha: 'a'.repeat(40), url: '' },
  zipball_url: '',
  tarball_url: '',
  node_id: 'x',
});

const TOKEN = 'gho_REALUSERTOKEN1234567890abcdef';
const CIRCLE = 'CCIPAT_REALCIRCLETOKEN_0123456789abcdef';

async function rejectsWith(p: Promise<unknown>, kind: ApiError['kind'], pattern?: RegExp): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `an ApiError, got ${String(e)}`);
    assert.strictEqual(e.kind, kind, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  throw new Error(`expected a ${kind} failure`);
}

describe('trust: deadlines — a slow or dripping server never holds a request, a slot or a mutation', function () {
  this.timeout(20_000);
  let drip: TestServer;
  before(async () => {
    drip = await server(trickle(200));
  });
  after(() => drip.close());

  it('CircleCI: a server that trickles a byte every 200 ms is cut off at the 1 s deadline', async () => {
    const client = new CircleCiClient({
      baseUrl: `${drip.url}/api/v2`,
      token: () => CIRCLE,
      timeoutMs: 1000,
      maxRetries: 0,
    });
    const t0 = Date.now();
    await rejectsWith(client.me(), 'timeout', /did not answer in time/);
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 3000, `cut off after ${took} ms`);
  });

  it('GitHub: the same trickle is cut off at the deadline (body included)', async () => {
    const client = new GitHubClient({ baseUrl: drip.url, token: TOKEN, timeoutMs: 1000 });
    // GETs are retried twice by the plugin: three deadlines at most, never for ever
    const t0 = Date.now();
    await rejectsWith(client.user(), 'timeout');
    assert.ok(Date.now() - t0 < 6000, `gave up after ${Date.now() - t0} ms`);
  });

  it('eight hung requests free their limiter slots at the deadline: a healthy request behind them completes', async () => {
    const healthy = await server((_req, res) => {
      json(res, { login: 'octocat' });
    });
    try {
      const limiter = new RequestLimiter(8);
      const hung = new CircleCiClient({
        baseUrl: `${drip.url}/api/v2`,
        token: () => CIRCLE,
        timeoutMs: 800,
        maxRetries: 0,
        limiter,
      });
      const gh = new GitHubClient({ baseUrl: healthy.url, token: TOKEN, timeoutMs: 5000, limiter });
      const stuck = Array.from({ length: 8 }, () => hung.me().catch((e: unknown) => e));
      await new Promise((r) => setTimeout(r, 100));
      assert.strictEqual(limiter.stats().inFlight, 8, 'the eight hung requests hold every slot');
      const user = await gh.user();
      assert.strictEqual(user.login, 'octocat');
      const outcomes = await Promise.all(stuck);
      assert.ok(outcomes.every((e) => e instanceof ApiError && e.kind === 'timeout'));
      assert.strictEqual(limiter.stats().inFlight, 0, 'every slot is free again');
    } finally {
      await healthy.close();
    }
  });

  it('a mutation whose answer never comes may have happened: outcomeUnknown, sent once', async () => {
    const client = new CircleCiClient({ baseUrl: `${drip.url}/api/v2`, token: () => CIRCLE, timeoutMs: 800 });
    const before = drip.seen.filter((r) => r.method === 'POST').length;
    const e = await rejectsWith(client.triggerPipeline('gh/greenpeace/planet4-x', { tag: 'v1.2.3' }), 'timeout');
    assert.strictEqual(e.outcomeUnknown, true);
    assert.strictEqual(drip.seen.filter((r) => r.method === 'POST').length - before, 1, 'sent once, never retried');
    const gh = new GitHubClient({ baseUrl: drip.url, token: TOKEN, timeoutMs: 800 });
    const g = await rejectsWith(gh.createRef('greenpeace', 'planet4-x', 'refs/tags/v1.2.3', 'a'.repeat(40)), 'timeout');
    assert.strictEqual(g.outcomeUnknown, true);
  });

  it('a mutation refused at connect cannot have happened: outcomeUnknown is false', async () => {
    const closed = await server(() => undefined);
    await closed.close(); // a port nobody listens on
    const client = new CircleCiClient({ baseUrl: `${closed.url}/api/v2`, token: () => CIRCLE, timeoutMs: 2000 });
    const e = await client.triggerPipeline('gh/greenpeace/planet4-x', { tag: 'v1.2.3' }).catch((x: unknown) => x);
    assert.ok(e instanceof ApiError && e.kind === 'network', String(e));
    assert.strictEqual(e.outcomeUnknown, false);
    const gh = new GitHubClient({ baseUrl: closed.url, token: TOKEN, timeoutMs: 2000 });
    const g = await gh.createRef('o', 'r', 'refs/tags/v1', 'a'.repeat(40)).catch((x: unknown) => x);
    assert.ok(g instanceof ApiError && g.kind === 'network', String(g));
    assert.strictEqual(g.outcomeUnknown, false, g.message);
  });

  it('withDeadline settles at the deadline even when the task ignores the abort', async () => {
    const t0 = Date.now();
    await assert.rejects(
      withDeadline(
        200,
        undefined,
        () => new Error('deadline'),
        () => new Promise(() => undefined),
      ),
      /deadline/,
    );
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe('trust: size limits — a huge or bomb answer is refused, never buffered whole', function () {
  this.timeout(30_000);

  it('CircleCI: an API page over the limit is refused with a clear message', async () => {
    const big = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // no Content-Length: streamed
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    try {
      const client = new CircleCiClient({
        baseUrl: `${big.url}/api/v2`,
        token: () => CIRCLE,
        maxBodyBytes: 1024 * 1024,
        maxRetries: 0,
      });
      await rejectsWith(client.me(), 'tooLarge', /more than 1 MiB/);
    } finally {
      await big.close();
    }
  });

  it('CircleCI: a declared Content-Length over the limit is refused before the body is read', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
      res.write('{'); // and then nothing: a client that waited for the body would hang
    });
    try {
      const client = new CircleCiClient({
        baseUrl: `${s.url}/api/v2`,
        token: () => CIRCLE,
        maxBodyBytes: 1024 * 1024,
        timeoutMs: 5000,
        maxRetries: 0,
      });
      const t0 = Date.now();
      await rejectsWith(client.me(), 'tooLarge');
      assert.ok(Date.now() - t0 < 2000, 'refused at the headers');
    } finally {
      await s.close();
    }
  });

  it('a gzip bomb (200 MiB of zeros, 200 KiB on the wire) stops at the limit, decoded', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < 1024 * 1024, `${bomb.length} bytes on the wire`);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    try {
      const client = new CircleCiClient({ baseUrl: `${s.url}/api/v2`, token: () => CIRCLE });
      const before = process.memoryUsage().arrayBuffers;
      await rejectsWith(
        client.download(`${s.url}/output/job/1/artifacts/0/a.png`, { maxBytes: 5 * 1024 * 1024 }),
        'tooLarge',
      );
      const grew = process.memoryUsage().arrayBuffers - before;
      assert.ok(grew < 64 * 1024 * 1024, `buffers grew by ${Math.round(grew / 1024 / 1024)} MiB`);
      // the GitHub client decodes with the same bound
      const gh = new GitHubClient({ baseUrl: s.url, token: TOKEN, maxBodyBytes: 5 * 1024 * 1024 });
      await rejectsWith(gh.user(), 'tooLarge');
    } finally {
      await s.close();
    }
  });

  it('downloadToFile streams to disk within the limit and removes the file when over it', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const body = Buffer.alloc(300 * 1024, 7);
    const s = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(req.url?.includes('big') ? Buffer.concat([body, body, body, body]) : body);
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-trust-'));
    try {
      const client = new CircleCiClient({ baseUrl: `${s.url}/api/v2`, token: () => CIRCLE });
      const file = path.join(dir, 'a.png.part');
      const n = await client.downloadToFile(`${s.url}/output/a.png`, file, { maxBytes: 1024 * 1024 });
      assert.strictEqual(n, body.length);
      assert.ok(fs.readFileSync(file).equals(body));
      const big = path.join(dir, 'big.png.part');
      await rejectsWith(client.downloadToFile(`${s.url}/output/big.png`, big, { maxBytes: 1024 * 1024 }), 'tooLarge');
      assert.ok(!fs.existsSync(big), 'no partial file is left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await s.close();
    }
  });
});

describe('trust: origins — a token goes only to its own service', function () {
  this.timeout(20_000);

  it('GitHub: a Link rel="next" to another host is not followed; that host receives nothing', async () => {
    const evil = await server((_req, res) => {
      json(res, [tag('v9.9.9')]);
    });
    const api = await server((_req, res) => {
      json(res, [tag('v1.0.0')], { link: `<${evil.url}/steal?page=2>; rel="next"` });
    });
    try {
      const gh = new GitHubClient({ baseUrl: api.url, token: TOKEN });
      await rejectsWith(gh.listTags('greenpeace', 'planet4-x'), 'malformed', /another host/);
      assert.deepStrictEqual(evil.seen, [], 'the other host got no request at all');
      assert.ok(api.seen.every((r) => r.auth === `token ${TOKEN}`));
    } finally {
      await api.close();
      await evil.close();
    }
  });

  it('GitHub: a redirect to another host is not followed with the token (nor at all)', async () => {
    const evil = await server((_req, res) => {
      json(res, { login: 'evil' });
    });
    const api = await server((_req, res) => {
      res.writeHead(302, { location: `${evil.url}/user` });
      res.end();
    });
    try {
      const gh = new GitHubClient({ baseUrl: api.url, token: TOKEN });
      await rejectsWith(gh.user(), 'malformed', /another host/);
      assert.deepStrictEqual(evil.seen, []);
    } finally {
      await api.close();
      await evil.close();
    }
  });

  it('GitHub: a same-origin redirect (a renamed repository) is followed', async () => {
    const api = await server((req, res) => {
      if (req.url === '/user') {
        res.writeHead(301, { location: '/user2' });
        res.end();
      } else json(res, { login: 'moved' });
    });
    try {
      const gh = new GitHubClient({ baseUrl: api.url, token: TOKEN });
      assert.strictEqual((await gh.user()).login, 'moved');
    } finally {
      await api.close();
    }
  });

  it('GitHub: a Link cycle stops at the first repeated page; a never-ending list stops at the page cap', async () => {
    const api = await server((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('page') ?? '1');
      // /repos/o/cycle/tags → /cycle?page=2 → /cycle?page=3 → /cycle?page=2 …; /repos/o/endless/tags → page 2, 3, …
      const next = u.pathname.includes('cycle')
        ? `/cycle?page=${page === 3 ? 2 : page + 1}`
        : `/endless?page=${page + 1}`;
      json(res, [tag(`v1.0.${page}`)], { link: `<${api.url}${next}>; rel="next", <${api.url}/last>; rel="last"` });
    });
    try {
      const gh = new GitHubClient({ baseUrl: api.url, token: TOKEN, maxTagPages: 5 });
      const cycle = await gh.listTags('o', 'cycle');
      assert.deepStrictEqual(
        api.seen.map((r) => r.url),
        ['/repos/o/cycle/tags?per_page=100', '/cycle?page=2', '/cycle?page=3'],
      );
      assert.deepStrictEqual(
        cycle.map((t) => t.name),
        ['v1.0.1', 'v1.0.2', 'v1.0.3'],
      );
      api.seen.length = 0;
      const endless = await gh.listTags('o', 'endless');
      assert.strictEqual(api.seen.length, 5, 'five pages, then it stops');
      assert.strictEqual(endless.length, 5);
    } finally {
      await api.close();
    }
  });

  it('nextLink reads rel="next" among other relations', () => {
    assert.strictEqual(
      nextLink('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"'),
      'https://a/x?page=3',
    );
    assert.strictEqual(nextLink('<https://a/x?page=9>; rel="last"'), undefined);
    assert.strictEqual(nextLink(undefined), undefined);
  });

  it('pages() never reads past its cap', async () => {
    let read = 0;
    for await (const p of pages(
      (c) => {
        read++;
        return Promise.resolve(Number(c ?? 0));
      },
      (p) => String(p + 1),
      { maxPages: 4, what: 'numbers' },
    )) {
      assert.ok(p < 4);
    }
    assert.strictEqual(read, 4);
  });

  it('CircleCI: the artifact token rules — own origin, https artifact hosts on 443, never after a foreign redirect', () => {
    const client = new CircleCiClient({ baseUrl: 'https://circleci.com/api/v2', token: () => CIRCLE });
    const ok = (u: string, prev?: string): boolean =>
      client.mayReceiveToken(new URL(u), prev === undefined ? undefined : new URL(prev));
    assert.ok(ok('https://circleci.com/api/v2/me'));
    assert.ok(ok('https://output.circle-artifacts.com/output/job/1/artifacts/0/a.png'));
    assert.ok(!ok('http://output.circle-artifacts.com/output/job/1/artifacts/0/a.png'), 'never over plain http');
    assert.ok(!ok('https://output.circle-artifacts.com:8443/a.png'), 'never to another port');
    assert.ok(!ok('http://circleci.com:8080/steal.png'), 'not the API host on another scheme and port');
    assert.ok(!ok('https://evil.example/a.png'));
    assert.ok(!ok('https://circle-artifacts.com.evil.example/a.png'));
    assert.ok(
      !ok('https://output.circle-artifacts.com/a.png', 'https://s3.amazonaws.com/x'),
      'not after a redirect from another origin',
    );
    const sandbox = new CircleCiClient({ baseUrl: 'http://127.0.0.1:4000/api/v2', token: () => CIRCLE });
    assert.ok(sandbox.mayReceiveToken(new URL('http://127.0.0.1:4000/output/job/1/a.png')), 'the sandbox origin');
    assert.ok(!sandbox.mayReceiveToken(new URL('http://127.0.0.1:4001/output/job/1/a.png')), 'not another port');
  });

  it('CircleCI: a token echoed back in an error message is redacted', async () => {
    const s = await server((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `bad token ${String(req.headers['circle-token'])}\n\u0007 and more` }));
    });
    try {
      const client = new CircleCiClient({ baseUrl: `${s.url}/api/v2`, token: () => 'plain-secret-value-42' });
      const e = await rejectsWith(client.me(), 'invalid');
      assert.ok(!e.message.includes('plain-secret-value-42'), e.message);
      assert.ok(!(e.serviceMessage ?? '').includes('plain-secret-value-42'));
      assert.ok(!Array.from(e.message).some((c) => c.charCodeAt(0) < 0x20), 'no control characters');
    } finally {
      await s.close();
    }
  });

  it('GitHub: a token echoed back in an error message is redacted', async () => {
    const s = await server((req, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Reference already exists ${String(req.headers.authorization)}` }));
    });
    try {
      const gh = new GitHubClient({ baseUrl: s.url, token: 'plainsecretvalue42' });
      const e = await rejectsWith(gh.createRef('o', 'r', 'refs/tags/v1', 'a'.repeat(40)), 'conflict');
      assert.ok(!e.message.includes('plainsecretvalue42'), e.message);
      assert.match(e.serviceMessage ?? '', /Reference already exists/);
    } finally {
      await s.close();
    }
  });

  it('CircleCI: a next_page_token that cycles stops instead of repeating pages', async () => {
    let served = 0;
    const s = await server((_req, res) => {
      served++;
      json(res, { items: [{ id: `job-${served}`, name: 'build' }], next_page_token: 'same-token' });
    });
    try {
      const client = new CircleCiClient({ baseUrl: `${s.url}/api/v2`, token: () => CIRCLE });
      const jobs = await client.listJobs('wf');
      assert.strictEqual(served, 2, 'the first page, the token once, then the repeat is seen');
      assert.strictEqual(jobs.length, 2);
    } finally {
      await s.close();
    }
  });
});

describe('trust: settings and names', () => {
  it('a user-only setting takes the user value, else the default: never a workspace or folder value', () => {
    const fromWorkspace = { defaultValue: 'https://api.github.com', workspaceValue: 'https://evil.example' };
    assert.strictEqual(userOnlyValue(fromWorkspace, 'x'), 'https://api.github.com');
    assert.strictEqual(
      userOnlyValue(
        { ...fromWorkspace, workspaceFolderValue: 'https://evil2.example', globalValue: 'https://ghe/api' },
        'x',
      ),
      'https://ghe/api',
    );
    assert.strictEqual(userOnlyValue({ workspaceValue: false }, true), true, 'confirmActions cannot be turned off');
    assert.strictEqual(userOnlyValue(undefined, 20), 20);
  });

  it('API URLs: https, or http only on loopback; no credentials, query or fragment', () => {
    assert.deepStrictEqual(checkApiUrl('https://api.github.com/', 'x'), { url: 'https://api.github.com' });
    assert.deepStrictEqual(checkApiUrl('http://127.0.0.1:4000/api/v2', 'x'), { url: 'http://127.0.0.1:4000/api/v2' });
    assert.deepStrictEqual(checkApiUrl('http://localhost:1/', 'x'), { url: 'http://localhost:1' });
    for (const bad of [
      'http://evil.example',
      'http://10.0.0.1',
      'ftp://x',
      'https://user:pw@x',
      'https://x/?a=1',
      'https://x/#f',
      'not a url',
      '',
      42,
    ]) {
      assert.ok('error' in checkApiUrl(bad, 'planet4.github.apiUrl'), String(bad));
    }
    assert.ok(isLoopbackHost('127.1.2.3') && isLoopbackHost('[::1]') && !isLoopbackHost('127.0.0.1.evil.example'));
  });

  it('organization and site names: letters, digits and dashes, nothing that rewrites a path', () => {
    assert.ok(isOrganizationName('greenpeace'));
    for (const bad of ['greenpeace/../../me?x=', '../x', 'a b', '-x', '', 'x'.repeat(40), 'é']) {
      assert.ok(!isOrganizationName(bad), bad);
    }
    assert.ok(isSiteName('africa') && isSiteName('new-zealand'));
    assert.strictEqual(normalizeSiteName(' planet4-africa '), 'africa');
    for (const bad of ['x/../../me', '../x', 'a b', '%2e%2e', 'a?b', 'a#b', '\u0430frica', '']) {
      assert.strictEqual(normalizeSiteName(bad), undefined, bad);
    }
    assert.deepStrictEqual(parseSitesTxt('africa\n# comment\n../etc\nbrasil # trailing\nx y\n'), ['africa', 'brasil']);
  });

  it('a malformed saved fleet state is refused, never thrown; names in it are checked', () => {
    const fleet = new Fleet({
      circleci: () => {
        throw new Error('no');
      },
      github: () => Promise.reject(new Error('no')),
      organization: () => 'greenpeace',
    });
    const valid = {
      version: 2,
      savedAt: 1,
      sites: ['africa'],
      snapshots: [{ site: 'africa', slug: 'gh/greenpeace/planet4-africa', state: 'deployed', stages: [] }],
      seen: { africa: [3, true] },
    };
    for (const bad of [
      null,
      42,
      { version: 2 },
      { ...valid, seen: undefined },
      { ...valid, snapshots: [null] },
      { ...valid, sites: ['../x', 'a b'] },
      { ...valid, snapshots: [{ ...valid.snapshots[0], stages: null }] },
      { ...valid, snapshots: [{ ...valid.snapshots[0], state: 'pwned' }] },
      { ...valid, snapshots: [{ ...valid.snapshots[0], site: 'x/../../me' }] },
      { ...valid, snapshots: [{ ...valid.snapshots[0], pipeline: { id: 1 } }] },
    ]) {
      assert.strictEqual(fleet.restore(bad), false, JSON.stringify(bad));
    }
    assert.strictEqual(
      fleet.restore({ ...valid, seen: { africa: 'garbage' } }),
      true,
      'a bad seen entry is nothing known',
    );
    assert.strictEqual(fleet.restore(valid), true);
    assert.deepStrictEqual(fleet.sites, ['africa']);
  });
});
