import * as vscode from 'vscode';

/** The extension's settings, read fresh at each use (they can change at any time). Never written. */
export const settings = {
  section: 'planet4',
  get<T>(key: string, fallback: T): T {
    return vscode.workspace.getConfiguration('planet4').get<T>(key, fallback);
  },
  organization(): string {
    return settings.get('organization', 'greenpeace').trim() || 'greenpeace';
  },
  sites(): string[] {
    return settings.get<string[]>('sites', []).filter((s) => typeof s === 'string' && s.trim() !== '');
  },
  githubApiUrl(): string {
    return settings.get('github.apiUrl', 'https://api.github.com');
  },
  circleciApiUrl(): string {
    return settings.get('circleci.apiUrl', 'https://circleci.com/api/v2');
  },
  confirmActions(): boolean {
    return settings.get('confirmActions', true);
  },
  notifications(): boolean {
    return settings.get('notifications', true);
  },
  fastPollMs(): number {
    return Math.max(2, settings.get('polling.fastSeconds', 10)) * 1000;
  },
  slowPollMs(): number {
    return Math.max(30, settings.get('polling.slowSeconds', 300)) * 1000;
  },
  requestTimeoutMs(): number {
    return Math.max(1, settings.get('requestTimeoutSeconds', 20)) * 1000;
  },
};
