import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../src/sandbox';
import { api as getApi, rejection, waitFor } from './support';

const LABEL = 'GitHub (Planet 4 test provider)';
const ACCOUNT = 'planet4-tester';

/**
 * A GitHub authentication provider of the test's own, registered under the id 'github' that the extension asks
 * VS Code for: it records what VS Code asks of it and hands out sessions whose token the test chooses.
 */
class TestGitHubProvider implements vscode.AuthenticationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.emitter.event;
  readonly sessions: vscode.AuthenticationSession[] = [];
  /** The scopes of every getSessions call (undefined: all sessions). */
  readonly reads: (readonly string[] | undefined)[] = [];
  readonly creates: (readonly string[])[] = [];
  readonly removes: string[] = [];
  private nextId = 1;
  private retired = false;

  constructor(public tokenForNextSession: string) {}

  getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    this.reads.push(scopes === undefined ? undefined : [...scopes]);
    return Promise.resolve(this.sessions.filter((s) => (scopes ?? []).every((x) => s.scopes.includes(x))));
  }

  createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    if (this.retired) return Promise.reject(new Error('No GitHub sign-in in this test host.'));
    this.creates.push([...scopes]);
    const session = {
      id: `session-${this.nextId++}`,
      accessToken: this.tokenForNextSession,
      account: { id: '4200001', label: ACCOUNT },
      scopes: [...scopes],
    };
    this.sessions.push(session);
    this.emitter.fire({ added: [session], removed: [], changed: [] });
    return Promise.resolve(session);
  }

  removeSession(sessionId: string): Promise<void> {
    this.removes.push(sessionId);
    const i = this.sessions.findIndex((s) => s.id === sessionId);
    if (i >= 0) {
      const [removed] = this.sessions.splice(i, 1);
      if (removed) this.emitter.fire({ added: [], removed: [removed], changed: [] });
    }
    return Promise.resolve();
  }

  /** What a provider does when a session's token is renewed: same session, new token, a `changed` event. */
  changeToken(token: string): void {
    const session = this.sessions[0];
    assert.ok(session, 'a session to change');
    const changed = { ...session, accessToken: token };
    this.sessions[0] = changed;
    this.emitter.fire({ added: [], removed: [], changed: [changed] });
  }

  /**
   * Stays registered as what the built-in provider it displaced is here without an account: no session, and none
   * created. (Unregistering would leave no 'github' provider at all, and every later silent read would wait 5 s
   * for one.)
   */
  retire(): void {
    this.retired = true;
    const removed = this.sessions.splice(0);
    if (removed.length > 0) this.emitter.fire({ added: [], removed, changed: [] });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A silent read of the 'github' sessions (the same call the extension makes), for probing who answers. */
async function silentRead(): Promise<{ session?: vscode.AuthenticationSession; error?: string }> {
  try {
    return { session: await vscode.authentication.getSession('github', ['repo'], { silent: true }) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Registers `provider` as VS Code's 'github' authentication provider. In this host (code-server's VS Code 1.139.1)
 * the built-in vscode.github-authentication runs in the same extension host and is active by the time the tests
 * run (activated when the workbench asks for 'github' sessions at startup); VS Code then neither throws nor replaces it ("An authentication
 * provider with id 'github' is already registered. The existing provider will not be replaced."), but the returned
 * Disposable removes whatever is registered under that id — so disposing the ignored registration unregisters the
 * built-in one, and a second registration is ours (`displaced`: the built-in one cannot be registered again).
 * Returns what was found, for the report.
 */
async function registerAsGitHub(
  provider: TestGitHubProvider,
): Promise<{ registration: vscode.Disposable; displaced: boolean; found: string }> {
  let registration = vscode.authentication.registerAuthenticationProvider('github', LABEL, provider);
  let before = provider.reads.length;
  const first = await silentRead();
  if (provider.reads.length > before) return { registration, displaced: false, found: 'no other github provider' };
  const builtin = vscode.extensions.getExtension('vscode.github-authentication');
  const found = `another github provider answered (built-in vscode.github-authentication ${
    builtin ? `present, active: ${String(builtin.isActive)}` : 'absent'
  }; read: ${first.error ?? 'no session'})`;
  registration.dispose();
  // Wait until no provider is registered under 'github' any more (VS Code waits 5 s for one, then fails the read),
  // so that the unregistration cannot reach our next registration.
  const gone = await silentRead();
  assert.match(gone.error ?? '', /github/, `the other github provider is still registered: ${JSON.stringify(gone)}`);
  registration = vscode.authentication.registerAuthenticationProvider('github', LABEL, provider);
  before = provider.reads.length;
  const mine = await silentRead();
  assert.ok(provider.reads.length > before, `the test provider does not answer for 'github': ${JSON.stringify(mine)}`);
  return { registration, displaced: true, found };
}

/**
 * The GitHub sign-in users take, with a real authentication provider in the real host: the silent read, the welcome
 * view's "Sign In to GitHub", VS Code's sign-in, a renewed token, a token GitHub rejects, and signing out. No sandbox
 * override: the extension reaches a sandbox of the test's own through the user's settings, with the provider's
 * tokens, exactly as it reaches GitHub.
 */
describe('signin: GitHub through a real authentication provider', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  let provider: TestGitHubProvider;
  /** What after() undoes (in reverse order): only what before() did. */
  const undo: (() => unknown)[] = [];
  let closeSandbox: (() => Promise<void>) | undefined;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');
  /** These settings are the user's (application-scoped): always written to the user settings. */
  const setUser = async (key: string, value: unknown): Promise<void> => {
    await config().update(key, value, vscode.ConfigurationTarget.Global);
  };
  const github = (rs: readonly RequestLogEntry[]): RequestLogEntry[] => rs.filter((r) => r.service === 'github');
  const sitesTxt = (r: RequestLogEntry): boolean =>
    r.method === 'GET' && r.path === '/repos/greenpeace/planet4-base/contents/sites.txt';
  /** Every site loaded, with its GitHub facts (the next release), so no request of this load is still to come. */
  const fullyLoaded = (): boolean =>
    api.viewState() === 'ready' &&
    api.fleet.sites.length === sb.sites.length &&
    sb.sites.every((s) => api.fleet.get(s)?.next !== undefined);

  before(async () => {
    api = await getApi();
    await api.stopSandbox();
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    assert.strictEqual(process.env.GITHUB_TOKEN, undefined, 'the test host has no GITHUB_TOKEN');
    assert.strictEqual(process.env.CIRCLE_TOKEN, undefined, 'the test host has no CIRCLE_TOKEN');
    sb = await startSandbox({ scenario: 'green', sites: ['africa', 'brasil', 'chile', 'denmark', 'handbook'] });
    closeSandbox = () => sb.close();
    provider = new TestGitHubProvider(sb.tokens.github);
    const taken = await registerAsGitHub(provider);
    undo.push(() => {
      if (taken.displaced) {
        provider.retire();
      } else {
        taken.registration.dispose();
        provider.dispose();
      }
    });
    console.log(`      signin: registering 'github': ${taken.found}`);
    await setUser('github.apiUrl', sb.githubApiUrl);
    await setUser('circleci.apiUrl', sb.circleciApiUrl);
    await setUser('sites', undefined);
    await setUser('confirmActions', false);
    await vscode.commands.executeCommand('planet4.setCircleCIToken', { token: sb.tokens.circleci });
  });

  after(async () => {
    // First no CircleCI token and no provider, so that going back to the real endpoints sends nothing anywhere.
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    for (const step of undo.reverse()) await step();
    for (const k of ['github.apiUrl', 'circleci.apiUrl', 'sites', 'confirmActions']) await setUser(k, undefined);
    await closeSandbox?.();
  });

  it('without a session, the silent read asks the provider, creates nothing, and the view asks to sign in to GitHub', async () => {
    const reads = provider.reads.length;
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.refresh');
    await waitFor('the GitHub sign-in state', () => api.viewState() === 'noGitHub');
    assert.ok(
      provider.reads.slice(reads).some((s) => s?.join(' ') === 'repo'),
      `the extension read the 'github' sessions with scope repo: ${JSON.stringify(provider.reads.slice(reads))}`,
    );
    assert.deepStrictEqual(provider.creates, [], 'a silent read never creates a session');
    assert.deepStrictEqual(github(sb.requests), [], 'no GitHub request without a token');
    assert.deepStrictEqual(api.pipelines.getChildren(), []);
  });

  it("the view's Sign In to GitHub link asks VS Code to sign in with the provider, which needs the user's consent first", async () => {
    // The link runs the command without an argument: a failure is shown, not thrown.
    assert.strictEqual(await vscode.commands.executeCommand('planet4.signInGitHub'), undefined);
    // With an argument object the same failure rejects with its message. VS Code asks "The extension … wants to sign
    // in using <provider>" before any session is created; in an extension-test host it refuses to show that dialog.
    const message = await rejection('planet4.signInGitHub', {});
    assert.match(message, /Planet 4 Pipelines' wants to sign in using GitHub \(Planet 4 test provider\)/);
    assert.deepStrictEqual(provider.creates, [], 'no session without consent');
    assert.strictEqual(api.viewState(), 'noGitHub');
  });

  it('signing in through VS Code creates one session; the extension loads sites.txt with its token', async () => {
    // The consent the test host refuses as a dialog, given through VS Code's other sign-in path: a sign-in request in
    // the Accounts menu ("Sign in with … to use Planet 4 Pipelines"), whose command creates the session and grants the
    // extension access. The request is raised by a non-silent read under the extension's identity (the tests run
    // with the extension's API).
    assert.strictEqual(await vscode.authentication.getSession('github', ['repo'], {}), undefined);
    const commands = await vscode.commands.getCommands(true);
    const signIn = commands.filter((c) => /^github:greenpeace\.planet4-pipelines:signIn\d+$/i.test(c));
    assert.strictEqual(signIn.length, 1, `one Accounts-menu sign-in request: ${signIn.join(', ')}`);
    sb.clearRequests();
    await vscode.commands.executeCommand(signIn[0] ?? '');
    assert.deepStrictEqual(provider.creates, [['repo']], 'one session, scope repo');

    await waitFor('every site of sites.txt loaded', fullyLoaded, 30_000);
    assert.deepStrictEqual([...api.fleet.sites].sort(), [...sb.sites].sort());
    const gh = github(sb.requests);
    assert.ok(gh.some(sitesTxt), 'sites.txt was read from planet4-base');
    // The sandbox answers only requests carrying one of its tokens; the provider's session holds the full-access one.
    const refused = gh.filter((r) => r.auth === 'none' || r.status === 401 || r.status === 403);
    assert.deepStrictEqual(refused, [], 'every GitHub request carried an accepted token');

    // Now the welcome view's Sign In returns the signed-in account without a second session or a consent dialog.
    assert.deepStrictEqual(await vscode.commands.executeCommand('planet4.signInGitHub'), { account: ACCOUNT });
    assert.strictEqual(provider.creates.length, 1, 'still one session');

    // The full-access token may write: holding a release succeeds.
    sb.clearRequests();
    const held = await vscode.commands.executeCommand<{ site: string }>('planet4.holdRelease', { site: 'africa' });
    assert.strictEqual(held.site, 'africa');
    const commit = sb.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/commits'));
    assert.strictEqual(commit?.status, 201);
  });

  it('a renewed token (onDidChangeSessions) is used for every later request', async () => {
    await waitFor('the previous load to finish', fullyLoaded, 30_000);
    sb.clearRequests();
    // The read-only sandbox token: reads succeed, writes are refused with 403 — unlike the first token's.
    provider.changeToken(sb.tokens.githubReadOnly);
    await waitFor('sites.txt read again with the new token', () => github(sb.requests).some(sitesTxt), 20_000);
    await waitFor('ready with the new token', fullyLoaded, 30_000);
    const read = github(sb.requests).find(sitesTxt);
    assert.ok(read && (read.status === 200 || read.status === 304), `sites.txt read: ${JSON.stringify(read)}`);

    sb.clearRequests();
    const message = await rejection('planet4.holdRelease', { site: 'brasil' });
    assert.match(message, /No permission to .* your GitHub token cannot write/);
    const commit = sb.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/commits'));
    assert.strictEqual(commit?.status, 403, 'the write carried the read-only token');
    assert.strictEqual(provider.creates.length, 1, 'a changed token is no new session');
  });

  it('a token GitHub rejects shows the GitHub sign-in problem', async () => {
    sb.clearRequests();
    provider.changeToken('not-a-token-the-sandbox-knows');
    await waitFor('githubUnauthorized', () => api.viewState() === 'githubUnauthorized', 20_000);
    const read = github(sb.requests).find(sitesTxt);
    assert.strictEqual(read?.status, 401, 'sites.txt was read with the rejected token');
  });

  it("signing out (the Accounts menu's Sign Out) removes the session and the view asks to sign in to GitHub again", async () => {
    sb.clearRequests();
    await vscode.commands.executeCommand('_signOutOfAccount', { providerId: 'github', accountLabel: ACCOUNT });
    assert.deepStrictEqual(provider.removes, ['session-1']);
    await waitFor('noGitHub after signing out', () => api.viewState() === 'noGitHub', 20_000);
    assert.deepStrictEqual(github(sb.requests), [], 'no GitHub request after signing out');
    assert.deepStrictEqual(await silentRead(), { session: undefined }, 'no session is left');
    assert.strictEqual(provider.creates.length, 1, 'signing out creates nothing');
  });
});
