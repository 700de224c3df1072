import type { Services } from '../services';
import { isReleaseTag } from '../core/release/version';

/** Reads and validates a command's `site` (before any request): it must be one of the fleet's sites. */
export function requireSite(services: Pick<Services, 'fleet'>, arg: unknown): string {
  const raw =
    typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && 'site' in arg ? arg.site : undefined;
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new Error('Which site? Pass {site: "<name>"} (e.g. {site: "africa"}).');
  const site = raw.trim().replace(/^planet4-/, '');
  if (!services.fleet.sites.includes(site)) {
    throw new Error(`Unknown site "${site}": it is not in the Planet 4 site list (planet4.sites or sites.txt).`);
  }
  return site;
}

export function optionalString(arg: unknown, key: string): string | undefined {
  if (typeof arg !== 'object' || arg === null || !(key in arg)) return undefined;
  const v = (arg as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`"${key}" must be a string.`);
  return v.trim();
}

export function requireTag(tag: string | undefined, what = 'tag'): string {
  if (!tag) throw new Error(`Which ${what}? Pass a release tag such as v1.2.3.`);
  if (!isReleaseTag(tag))
    throw new Error(`"${String(tag)}" is not a release tag: use v followed by dot-separated numbers, e.g. v1.2.3.`);
  return tag;
}
