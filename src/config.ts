import * as vscode from 'vscode';
import { checkApiUrl } from './core/api/transport';
import { isOrganizationName, normalizeSiteName } from './core/util/names';
import { userOnlyValue } from './core/util/userSetting';

const SECTION = 'planet4';

/**
 * Settings only the user may set: where the tokens go, what the commands act on, whether they ask first, how long a
 * request may take. They are `application`-scoped in package.json, and read here from the user's own settings or
 * the default only — never from a workspace's `.vscode/settings.json`, whatever the host does with scopes.
 */
type UserOnlySetting =
  | 'organization'
  | 'sites'
  | 'github.apiUrl'
  | 'circleci.apiUrl'
  | 'confirmActions'
  | 'requestTimeoutSeconds'
  | 'report.cacheLimitMB'
  | 'batch.spacingSeconds';

/** A setting whose value cannot be used; the message names the setting and says why. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The user's (or the default) value of a user-only setting: workspace and folder values are ignored. */
function userValue<T>(key: UserOnlySetting, fallback: T): T {
  return userOnlyValue(vscode.workspace.getConfiguration(SECTION).inspect<T>(key), fallback);
}

/** A setting any scope may set (it changes nothing about trust). */
function anyValue<T>(key: string, fallback: T): T {
  return vscode.workspace.getConfiguration(SECTION).get<T>(key, fallback);
}

function finite(value: unknown, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, value) : fallback;
}

/** The extension's settings, read fresh at each use (they can change at any time). Never written. */
export const settings = {
  section: SECTION,
  /** `planet4.organization`; throws SettingsError when it is not a GitHub organization name. */
  organization(): string {
    const raw = userValue<unknown>('organization', 'greenpeace');
    const org = typeof raw === 'string' ? raw.trim() || 'greenpeace' : raw;
    if (!isOrganizationName(org)) {
      throw new SettingsError(
        vscode.l10n.t(
          'planet4.organization "{0}" is not a GitHub organization name (letters, digits and dashes).',
          String(org),
        ),
      );
    }
    return org;
  },
  /** `planet4.sites`, cleaned: names that are not site names are left out (and reported by `invalidSites`). */
  sites(): string[] {
    return [
      ...new Set(
        settings
          .rawSites()
          .map(normalizeSiteName)
          .filter((s): s is string => s !== undefined),
      ),
    ];
  },
  /** Entries of `planet4.sites` that are not site names. */
  invalidSites(): string[] {
    return settings.rawSites().filter((s) => normalizeSiteName(s) === undefined);
  },
  rawSites(): string[] {
    const raw = userValue<unknown>('sites', []);
    return Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : [];
  },
  /** `planet4.github.apiUrl`: https (http only on loopback); throws SettingsError otherwise. */
  githubApiUrl(): string {
    return apiUrl('github.apiUrl', 'https://api.github.com');
  },
  /** `planet4.circleci.apiUrl`: https (http only on loopback); throws SettingsError otherwise. */
  circleciApiUrl(): string {
    return apiUrl('circleci.apiUrl', 'https://circleci.com/api/v2');
  },
  confirmActions(): boolean {
    return userValue<unknown>('confirmActions', true) !== false;
  },
  notifications(): boolean {
    return anyValue('notifications', true);
  },
  fastPollMs(): number {
    return finite(anyValue<unknown>('polling.fastSeconds', 10), 10, 2) * 1000;
  },
  slowPollMs(): number {
    return finite(anyValue<unknown>('polling.slowSeconds', 300), 300, 30) * 1000;
  },
  requestTimeoutMs(): number {
    return Math.min(300, finite(userValue<unknown>('requestTimeoutSeconds', 20), 20, 1)) * 1000;
  },
  reportCacheLimitBytes(): number {
    return finite(userValue<unknown>('report.cacheLimitMB', 500), 500, 10) * 1024 * 1024;
  },
  /** `planet4.batch.spacingSeconds`: the pause between two sites of a batch (0 to 600 s, default 30 like the bot). */
  batchSpacingMs(): number {
    return Math.min(600, finite(userValue<unknown>('batch.spacingSeconds', 30), 30, 0)) * 1000;
  },
};

function apiUrl(key: 'github.apiUrl' | 'circleci.apiUrl', fallback: string): string {
  const checked = checkApiUrl(userValue<unknown>(key, fallback), `planet4.${key}`);
  if ('error' in checked) throw new SettingsError(checked.error);
  return checked.url;
}
