import type { GitHubClient } from '../api/github/client';
import { normalizeSiteName } from '../util/names';

/** The site names of a list, normalized, without duplicates; what is not a site name is left out. */
export function siteList(sites: readonly string[]): string[] {
  return [...new Set(sites.map(normalizeSiteName).filter((s): s is string => s !== undefined))];
}

/** The configured sites, else `sites.txt` of `<organization>/planet4-base` (branch main). */
export async function resolveSites(
  configured: readonly string[],
  github: () => Promise<GitHubClient>,
  organization: () => string,
): Promise<string[]> {
  if (configured.length > 0) return [...configured];
  const client = await github();
  const text = await client.fileText(organization(), 'planet4-base', 'sites.txt', 'main');
  return parseSitesTxt(text);
}

/** The site names of `sites.txt` (one a line, `#` comments); lines that are not site names are left out. */
export function parseSitesTxt(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map(normalizeSiteName)
    .filter((s): s is string => s !== undefined);
}
