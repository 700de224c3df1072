/**
 * The names that end up in API paths (`gh/<organization>/planet4-<site>`, `repos/<organization>/planet4-<site>`):
 * checked wherever they come from (settings, sites.txt, restored state, webview state, command arguments), so that
 * none of them can rewrite a path (`../`, `/`, `?`, `#`, `%`).
 */

/** A GitHub organization or a site name: ASCII letters, digits and dashes, not starting with a dash. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** GitHub's own limit for an organization login. */
const MAX_ORGANIZATION_LENGTH = 39;
/** A repository name is at most 100 characters, `planet4-` included. */
const MAX_SITE_LENGTH = 100 - 'planet4-'.length;

export function isOrganizationName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ORGANIZATION_LENGTH && NAME_PATTERN.test(value);
}

export function isSiteName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_SITE_LENGTH && NAME_PATTERN.test(value);
}

/** `planet4-africa` or ` africa ` → `africa`; undefined when what is left is not a site name. */
export function normalizeSiteName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const site = value.trim().replace(/^planet4-/, '');
  return isSiteName(site) ? site : undefined;
}
