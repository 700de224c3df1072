// Trust, in the real extension host: a workspace cannot redirect the tokens, a foreign `Link` host gets nothing, a
// trickling or flooding server is cut off while the other sites load, and a first start without a token raises
// nothing. The sandbox is reached through the user's settings (no override), behind a proxy that misbehaves on
// purpose the way a compromised or broken upstream would.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { api as getApi, waitFor } from './support';

interface Recorder {
  url: string;
  seen: { method: string; url: string; auth?: string; circleToken?: string }[];
  close(): Promise<void>;
}

type Tamper = (req: http.IncomingMessage, res: http.ServerResponse, forward: () => void) => void;

/** A loopback server; with `target`, a proxy forwarding to it unless `tamper` answers itself. */
async function recorder(target?: string, tamper?: Tamper): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const sockets = new Set<import('net').Socket>();
  const server = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      ...(req.headers['circle-token'] ? { circleToken: String(req.headers['circle-token']) } : {}),
    });
    const forward = (): void => {
      if (!target) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"message":"attacker"}');
        return;
      }
      const t = new URL(target);
      const upstream = http.request(
        {
          host: t.hostname,
          port: t.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: t.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.destroy();
      });
      req.pipe(upstream);
    };
    if (tamper) tamper(req, res, forward);
    else forward();
  });
  server.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        server.close(() => {
          r();
        });
      }),
  };
}

const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');
const setUser = async (key: string, value: unknown): Promise<void> => {
  await config().update(key, value, vscode.ConfigurationTarget.Global);
};

describe('trust: tokens stay with their service, nothing hangs', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const settingsFile = folder ? path.join(folder, '.vscode', 'settings.json') : '';
  let confirmBefore: boolean | undefined;

  before(async () => {
    assert.ok(folder, 'the test host opened a workspace folder');
    api = await getApi();
    await api.stopSandbox();
    confirmBefore = config().inspect<boolean>('confirmActions')?.globalValue;
    sb = await startSandbox({ scenario: 'green', sites: ['africa', 'brasil', 'chile', 'denmark'] });
    await setUser('circleci.apiUrl', sb.circleciApiUrl);
    await setUser('github.apiUrl', sb.githubApiUrl);
    await setUser('requestTimeoutSeconds', 2);
    await setUser('confirmActions', true); // other test files turn it off for the user
    await vscode.commands.executeCommand('planet4.setCircleCIToken', { token: sb.tokens.circleci });
    // the extension host is this process: GitHub through the GITHUB_TOKEN fallback
    process.env.GITHUB_TOKEN = sb.tokens.github;
    await vscode.commands.executeCommand('planet4.refresh');
    await waitFor('ready', () => api.viewState() === 'ready' && api.fleet.sites.length === 4, 30_000);
  });
  after(async () => {
    delete process.env.GITHUB_TOKEN;
    if (settingsFile) fs.rmSync(settingsFile, { force: true });
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    for (const k of ['circleci.apiUrl', 'github.apiUrl', 'requestTimeoutSeconds']) await setUser(k, undefined);
    await setUser('confirmActions', confirmBefore);
    await sb.close();
  });

  it('a workspace .vscode/settings.json cannot redirect the tokens, turn off confirmations or change the org', async () => {
    const attacker = await recorder();
    try {
      fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
      fs.writeFileSync(
        settingsFile,
        JSON.stringify({
          'planet4.github.apiUrl': attacker.url,
          'planet4.circleci.apiUrl': `${attacker.url}/api/v2`,
          'planet4.confirmActions': false,
          'planet4.organization': 'attacker-org',
          'planet4.sites': ['evil'],
          'planet4.notifications': false, // a setting a workspace may change: shows that the file was read
        }),
      );
      await waitFor('VS Code to read the workspace settings', () => {
        return config().inspect<boolean>('notifications')?.workspaceValue === false;
      });
      // …and VS Code itself does not apply them (application scope)…
      assert.strictEqual(config().get('github.apiUrl'), sb.githubApiUrl);
      assert.strictEqual(config().get('confirmActions'), true);
      assert.strictEqual(config().get('organization'), 'greenpeace');
      // …nor does the extension: a refresh and a site reload go to the sandbox only
      sb.clearRequests();
      await vscode.commands.executeCommand('planet4.refresh');
      await waitFor('a full refresh', () => sb.requests.some((r) => r.service === 'github'), 20_000);
      assert.deepStrictEqual(attacker.seen, [], 'the attacker received no request');
      assert.ok(sb.requests.some((r) => r.service === 'circleci'));
      assert.strictEqual(api.connection.githubApiUrl(), sb.githubApiUrl);
      assert.strictEqual(api.connection.circleciApiUrl(), sb.circleciApiUrl);
      assert.deepStrictEqual([...api.fleet.sites].sort(), ['africa', 'brasil', 'chile', 'denmark']);
      assert.ok(api.fleet.all().every((s) => s.slug.startsWith('gh/greenpeace/')));
      // writing such a value as a workspace setting is refused by VS Code itself
      await assert.rejects(
        Promise.resolve(config().update('circleci.apiUrl', attacker.url, vscode.ConfigurationTarget.Workspace)),
      );
    } finally {
      fs.rmSync(settingsFile, { force: true });
      await attacker.close();
    }
  });

  it('the manifest scopes every trust setting to the user and declares limited untrusted-workspace support', () => {
    const pkg = vscode.extensions.getExtension('greenpeace.planet4-pipelines')?.packageJSON as {
      capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    };
    const props = pkg.contributes.configuration.properties;
    for (const k of [
      'planet4.github.apiUrl',
      'planet4.circleci.apiUrl',
      'planet4.confirmActions',
      'planet4.organization',
      'planet4.sites',
    ]) {
      assert.strictEqual(props[k]?.scope, 'application', k);
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(k), k);
    }
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('an http API URL on a non-loopback host is refused before any token is sent, with a clear message', async () => {
    await setUser('circleci.apiUrl', 'http://example.invalid/api/v2');
    try {
      await waitFor('invalidSettings', () => api.viewState() === 'invalidSettings', 20_000);
      assert.match(api.treeView.message ?? '', /planet4\.circleci\.apiUrl must use https/);
      assert.deepStrictEqual(api.pipelines.getChildren(), []);
    } finally {
      await setUser('circleci.apiUrl', sb.circleciApiUrl);
    }
    await waitFor('ready again', () => api.viewState() === 'ready', 30_000);
  });

  it('a GitHub Link rel="next" to another host is not followed: that host receives nothing', async () => {
    const evil = await recorder();
    const brasilTags = /\/repos\/greenpeace\/planet4-brasil\/git\/matching-refs\/tags(\/|%2F)v/i;
    const proxy = await recorder(sb.githubApiUrl, (req, res, forward) => {
      // the tags are read with git/matching-refs/tags/v (Octokit sends the ref as `tags%2Fv`), which follows a Link
      // (up to a page cap): the foreign Link goes on that answer
      if (brasilTags.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'application/json', link: `<${evil.url}/steal?page=2>; rel="next"` });
        res.end(
          JSON.stringify([
            {
              ref: 'refs/tags/v1.0.0',
              node_id: 'REF_1',
              url: '',
              object: { type: 'commit', sha: '0000000000000000000000000000000000000000', url: '' },
            },
          ]),
        );
      } else forward();
    });
    try {
      await setUser('github.apiUrl', proxy.url + new URL(sb.githubApiUrl).pathname);
      await waitFor('ready', () => api.viewState() === 'ready', 30_000);
      await vscode.commands.executeCommand('planet4.refresh');
      await waitFor('the tags of brasil were read', () => proxy.seen.some((r) => brasilTags.test(r.url)));
      await waitFor('the others know their next release', () => api.fleet.get('africa')?.next !== undefined, 20_000);
      assert.deepStrictEqual(evil.seen, [], 'no request, no token to the foreign host');
      assert.ok(
        proxy.seen.every((r) => r.auth === `token ${sb.tokens.github}`),
        'GitHub got the token',
      );
    } finally {
      await setUser('github.apiUrl', sb.githubApiUrl);
      await evil.close();
      await proxy.close();
    }
  });

  it('a CircleCI server that trickles one site is cut off by the deadline while the other sites load', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const proxy = await recorder(sb.circleciApiUrl, (req, res, forward) => {
      if (/planet4-chile\/pipeline/.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const t = setInterval(() => res.write(' '), 300);
        timers.add(t);
        res.on('close', () => {
          clearInterval(t);
        });
      } else forward();
    });
    try {
      await setUser('circleci.apiUrl', proxy.url + new URL(sb.circleciApiUrl).pathname);
      await waitFor('ready', () => api.viewState() === 'ready', 30_000);
      const t0 = Date.now();
      await vscode.commands.executeCommand('planet4.refresh');
      const took = Date.now() - t0;
      // 2 s deadline, a GET tried twice: chile gives up, the others are loaded
      assert.ok(took < 15_000, `refresh took ${took} ms`);
      assert.strictEqual(api.fleet.get('chile')?.state, 'error');
      assert.match(api.fleet.get('chile')?.error?.message ?? '', /did not answer in time/);
      for (const s of ['africa', 'brasil', 'denmark']) assert.strictEqual(api.fleet.get(s)?.state, 'deployed', s);
      assert.strictEqual(api.connection.limiter.stats().inFlight, 0, 'no request left holding a slot');
    } finally {
      for (const t of timers) clearInterval(t);
      await setUser('circleci.apiUrl', sb.circleciApiUrl);
      await proxy.close();
    }
  });

  it('a huge CircleCI answer is refused with a clear message; the other sites load', async () => {
    const proxy = await recorder(sb.circleciApiUrl, (req, res, forward) => {
      if (/planet4-denmark\/pipeline/.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) });
        res.write('{"items":[');
        res.end(); // the declared length alone is refused
      } else forward();
    });
    try {
      await setUser('circleci.apiUrl', proxy.url + new URL(sb.circleciApiUrl).pathname);
      await waitFor('ready', () => api.viewState() === 'ready', 30_000);
      await vscode.commands.executeCommand('planet4.refresh');
      assert.strictEqual(api.fleet.get('denmark')?.state, 'error');
      assert.match(api.fleet.get('denmark')?.error?.message ?? '', /sent more than 16 MiB .*refused/);
      for (const s of ['africa', 'brasil', 'chile']) assert.strictEqual(api.fleet.get(s)?.state, 'deployed', s);
    } finally {
      await setUser('circleci.apiUrl', sb.circleciApiUrl);
      await proxy.close();
    }
  });

  it('a first start without a CircleCI token, with the view visible, raises nothing and asks for the token', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await vscode.commands.executeCommand('planet4.pipelines.focus');
      await waitFor('the view is visible', () => api.treeView.visible);
      await vscode.commands.executeCommand('planet4.signOutCircleCI');
      await waitFor('noCircleToken', () => api.viewState() === 'noCircleToken');
      // the start-up path runs again on every visibility and focus change
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('planet4.pipelines.focus');
      await new Promise((r) => setTimeout(r, 1500)); // an unhandled rejection is reported a tick later
      assert.strictEqual(api.viewState(), 'noCircleToken');
      assert.deepStrictEqual(
        unhandled.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))),
        [],
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await vscode.commands.executeCommand('planet4.setCircleCIToken', { token: sb.tokens.circleci });
    }
  });
});
