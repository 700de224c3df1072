import * as vscode from 'vscode';

const CIRCLE_SECRET = 'planet4.circleci.token';

/** Endpoints and tokens that replace the settings and the user's credentials for this window (the sandbox). */
export interface Override {
  githubApiUrl: string;
  circleciApiUrl: string;
  githubToken: string;
  circleciToken: string;
  label: string;
}

export type CredentialSource = 'sandbox' | 'session' | 'secret' | 'env' | 'none';

/**
 * GitHub: VS Code's built-in GitHub session (silently), else env GITHUB_TOKEN. CircleCI: the token stored in
 * SecretStorage, else env CIRCLE_TOKEN. Tokens live only here and in SecretStorage; never logged or shown.
 */
export class Credentials implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private circleToken: string | undefined;
  private override: Override | undefined;
  private readonly disposables: { dispose(): unknown }[] = [];

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.disposables.push(
      this.emitter,
      vscode.authentication.onDidChangeSessions((e) => {
        if (e.provider.id === 'github') this.emitter.fire();
      }),
      secrets.onDidChange(async (e) => {
        if (e.key === CIRCLE_SECRET) {
          this.circleToken = await secrets.get(CIRCLE_SECRET);
          this.emitter.fire();
        }
      }),
    );
  }

  async init(): Promise<void> {
    this.circleToken = await this.secrets.get(CIRCLE_SECRET);
  }

  get sandbox(): Override | undefined {
    return this.override;
  }

  setOverride(override: Override | undefined): void {
    this.override = override;
    this.emitter.fire();
  }

  circleciToken(): { token?: string; source: CredentialSource } {
    if (this.override) return { token: this.override.circleciToken, source: 'sandbox' };
    if (this.circleToken) return { token: this.circleToken, source: 'secret' };
    const env = process.env.CIRCLE_TOKEN;
    return env ? { token: env, source: 'env' } : { source: 'none' };
  }

  /** The GitHub token; `interactive` asks VS Code to sign in when there is no session. */
  async githubToken(interactive = false): Promise<{ token?: string; source: CredentialSource; account?: string }> {
    if (this.override) return { token: this.override.githubToken, source: 'sandbox', account: 'sandbox' };
    try {
      const session = await vscode.authentication.getSession(
        'github',
        ['repo'],
        interactive ? { createIfNone: true } : { silent: true },
      );
      if (session) return { token: session.accessToken, source: 'session', account: session.account.label };
    } catch (e) {
      if (interactive) throw e;
      // no GitHub authentication provider in this host, or the user declined: fall back to the environment
    }
    const env = process.env.GITHUB_TOKEN;
    return env ? { token: env, source: 'env' } : { source: 'none' };
  }

  async storeCircleciToken(token: string): Promise<void> {
    this.circleToken = token;
    await this.secrets.store(CIRCLE_SECRET, token);
    this.emitter.fire();
  }

  async deleteCircleciToken(): Promise<void> {
    this.circleToken = undefined;
    await this.secrets.delete(CIRCLE_SECRET);
    this.emitter.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
