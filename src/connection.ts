import * as vscode from 'vscode';
import { CircleCiClient } from './core/api/circleci/client';
import { GitHubClient } from './core/api/github/client';
import type { RequestObserver } from './core/api/http';
import { RequestLimiter } from './core/util/limiter';
import type { Credentials } from './auth/credentials';
import { settings } from './config';

export class NotSignedInError extends Error {
  constructor(
    readonly service: 'github' | 'circleci',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the API clients for the current endpoints (settings, or the sandbox) and credentials. One request
 * limiter (8 in flight) is shared by both services.
 */
export class Connection {
  readonly limiter = new RequestLimiter(8);
  private circle: { key: string; client: CircleCiClient } | undefined;
  private gh: { key: string; client: GitHubClient } | undefined;
  private readonly observers = new Set<RequestObserver>();

  constructor(
    private readonly credentials: Credentials,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Watch every HTTP exchange (benchmarks, diagnostics). */
  observe(o: RequestObserver): { dispose(): void } {
    this.observers.add(o);
    return { dispose: () => this.observers.delete(o) };
  }

  private readonly onRequest: RequestObserver = (e) => {
    this.log.trace(`${e.service} ${e.method} ${e.path} → ${e.status} (${e.ms} ms)`);
    for (const o of this.observers) o(e);
  };

  /** The CircleCI API URL of this window (the sandbox's, else the user's setting, checked: throws SettingsError). */
  circleciApiUrl(): string {
    return this.credentials.sandbox?.circleciApiUrl ?? settings.circleciApiUrl();
  }

  /** The GitHub API URL of this window (the sandbox's, else the user's setting, checked: throws SettingsError). */
  githubApiUrl(): string {
    return this.credentials.sandbox?.githubApiUrl ?? settings.githubApiUrl();
  }

  hasCircleciToken(): boolean {
    return this.credentials.circleciToken().token !== undefined;
  }

  circleci(): CircleCiClient {
    if (!this.hasCircleciToken()) {
      throw new NotSignedInError(
        'circleci',
        vscode.l10n.t('No CircleCI token: run "Planet 4: Set CircleCI Token" (or set CIRCLE_TOKEN).'),
      );
    }
    const baseUrl = this.circleciApiUrl();
    const timeoutMs = settings.requestTimeoutMs();
    const key = `${baseUrl} ${timeoutMs}`;
    if (this.circle?.key !== key) {
      this.circle = {
        key,
        client: new CircleCiClient({
          baseUrl,
          token: () => this.credentials.circleciToken().token,
          timeoutMs,
          limiter: this.limiter,
          log: this.log,
          onRequest: this.onRequest,
        }),
      };
    }
    return this.circle.client;
  }

  async github(interactive = false): Promise<GitHubClient> {
    const { token } = await this.credentials.githubToken(interactive);
    if (!token) {
      throw new NotSignedInError(
        'github',
        vscode.l10n.t('Not signed in to GitHub: sign in from the Planet 4 view (or set GITHUB_TOKEN).'),
      );
    }
    const baseUrl = this.githubApiUrl();
    const timeoutMs = settings.requestTimeoutMs();
    // The key identifies the token without keeping it in a second place: its length and a cheap digest.
    const key = `${baseUrl} ${timeoutMs} ${digest(token)}`;
    if (this.gh?.key !== key) {
      this.gh = {
        key,
        client: new GitHubClient({
          baseUrl,
          token,
          timeoutMs,
          limiter: this.limiter,
          log: this.log,
          onRequest: this.onRequest,
        }),
      };
    }
    return this.gh.client;
  }
}

function digest(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return `${s.length}:${(h >>> 0).toString(16)}`;
}
