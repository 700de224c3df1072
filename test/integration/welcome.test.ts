import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { api as getApi, rejection, siteNodes, waitFor } from './support';

/** Without the sandbox override: real settings, SecretStorage and env fallbacks, and every welcome state. */
describe('welcome: sign-in and empty states', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('planet4');
  const set = async (key: string, value: unknown): Promise<void> => {
    await config().update(key, value, vscode.ConfigurationTarget.Global);
  };

  before(async () => {
    api = await getApi();
    await api.stopSandbox();
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    assert.strictEqual(process.env.CIRCLE_TOKEN, undefined, 'the test host has no CIRCLE_TOKEN');
    assert.strictEqual(process.env.GITHUB_TOKEN, undefined, 'the test host has no GITHUB_TOKEN');
    // a sandbox started by the test itself, reached only through the settings
    sb = await startSandbox({ scenario: 'green' });
    await set('circleci.apiUrl', sb.circleciApiUrl);
    await set('github.apiUrl', sb.githubApiUrl);
    await set('sites', undefined);
  });
  after(async () => {
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    for (const k of ['circleci.apiUrl', 'github.apiUrl', 'sites']) await set(k, undefined);
    await sb.close();
  });

  it('without a CircleCI token the view asks for one', async () => {
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.viewState(), 'noCircleToken');
    assert.deepStrictEqual(api.pipelines.getChildren(), []);
  });

  it('a wrong CircleCI token is refused by GET /me and not stored', async () => {
    sb.clearRequests();
    const message = await rejection('planet4.setCircleCIToken', { token: 'CCIPAT_wrong_token_0000' });
    assert.match(message, /CircleCI rejected the token/);
    assert.ok(!message.includes('CCIPAT_wrong'), 'the token is not in the message');
    assert.deepStrictEqual(
      sb.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      ['GET /me 401'],
    );
    assert.strictEqual(api.viewState(), 'noCircleToken');
  });

  it('a valid token is checked with GET /me, stored in SecretStorage, and then GitHub sign-in is asked for', async () => {
    const result = await vscode.commands.executeCommand<{ login: string }>('planet4.setCircleCIToken', {
      token: sb.tokens.circleci,
    });
    assert.ok(result.login);
    await waitFor('the GitHub sign-in state', () => api.viewState() === 'noGitHub');
    const settingsText = JSON.stringify(config());
    assert.ok(!settingsText.includes(sb.tokens.circleci), 'the token never reaches the settings');
  });

  it('with planet4.sites set, no GitHub sign-in is needed to see the pipelines', async () => {
    await set('sites', ['africa', 'brasil', 'chile']);
    await waitFor('ready', () => api.viewState() === 'ready' && siteNodes(api).length === 3, 20000);
    await vscode.commands.executeCommand('planet4.refresh');
    assert.deepStrictEqual(
      siteNodes(api)
        .map((n) => n.site)
        .sort(),
      ['africa', 'brasil', 'chile'],
    );
    assert.ok(api.fleet.all().every((s) => s.state === 'deployed'));
  });

  it('an unreachable API shows one "unreachable" state', async () => {
    await set('circleci.apiUrl', 'http://127.0.0.1:9/api/v2');
    await waitFor('unreachable', () => api.viewState() === 'unreachable', 30000);
    assert.deepStrictEqual(api.pipelines.getChildren(), []);
    await set('circleci.apiUrl', sb.circleciApiUrl);
    await waitFor('ready again', () => api.viewState() === 'ready', 20000);
  });

  it('signing out of CircleCI returns to the token request', async () => {
    await vscode.commands.executeCommand('planet4.signOutCircleCI');
    await waitFor('noCircleToken', () => api.viewState() === 'noCircleToken');
  });

  it('contributes a welcome view for every state, each offering the sandbox', () => {
    const pkg = vscode.extensions.getExtension('greenpeace.planet4-pipelines')?.packageJSON as {
      contributes: { viewsWelcome: { when: string; contents: string }[] };
    };
    const states = [
      'noCircleToken',
      'circleciUnauthorized',
      'noGitHub',
      'githubUnauthorized',
      'unreachable',
      'noSites',
    ];
    for (const s of states) {
      const w = pkg.contributes.viewsWelcome.find((x) => x.when === `planet4.state == ${s}`);
      assert.ok(w, s);
      assert.match(w.contents, /command:planet4\.startSandbox/);
    }
  });
});
