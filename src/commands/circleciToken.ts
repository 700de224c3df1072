import * as vscode from 'vscode';
import { CircleCiClient } from '../core/api/circleci/client';
import type { Services } from '../services';
import { registerCommand } from './command';

/**
 * `planet4.setCircleCIToken`: asks for a personal API token, checks it with `GET /me`, and only then stores it in
 * SecretStorage. `planet4.signOutCircleCI` removes it. The token never reaches settings, logs or messages.
 */
export function registerCircleciToken(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.setCircleCIToken', async (arg) => {
      const given = typeof arg === 'object' && arg !== null && 'token' in arg ? String(arg.token) : undefined;
      const token =
        given ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Planet 4: CircleCI personal API token'),
          prompt: vscode.l10n.t(
            "Create one at app.circleci.com → User Settings → Personal API Tokens. It is kept in VS Code's secret storage.",
          ),
          password: true,
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Paste a token') : undefined),
        }));
      if (token === undefined) return undefined;
      const trimmed = token.trim();
      if (trimmed === '') throw new Error(vscode.l10n.t('The CircleCI token is empty.'));
      const client = new CircleCiClient({
        baseUrl: services.connection.circleciApiUrl(),
        token: () => trimmed,
        log: services.log,
        maxRetries: 0,
      });
      const user = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking the CircleCI token…') },
        () => client.me(),
      );
      await services.credentials.storeCircleciToken(trimmed);
      services.log.info(`CircleCI token stored for ${user.login}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('CircleCI: signed in as {0}.', user.login));
      return { login: user.login };
    }),
    registerCommand(services, 'planet4.signOutCircleCI', async () => {
      await services.credentials.deleteCircleciToken();
      services.log.info('CircleCI token removed');
      return { signedOut: true };
    }),
    registerCommand(services, 'planet4.signInGitHub', async () => {
      const { account } = await services.credentials.githubToken(true);
      if (account) services.log.info(`GitHub: signed in as ${account}`);
      return { account };
    }),
  ];
}
