/**
 * The state a restored report panel brings back, checked before it is used: it was written by the webview, so it is
 * not trusted (its site ends up in API paths). No `vscode` import.
 */
import { isSiteName } from '../util/names';

/** What to do with a panel VS Code restores after a reload. */
export type RestoreTarget =
  /** Restore it: the site's report, of `jobNumber` when given, else of the site's current compare job. */
  | { kind: 'restore'; site: string; jobNumber?: number }
  /** Keep it open with this explanation, and make no request. */
  | { kind: 'placeholder'; site: string; message: string }
  /** Close it: the state names no site that could be shown. */
  | { kind: 'close'; reason: string };

/**
 * Checks a restored panel's state: the site must be a site name (`isSiteName`) and, when the fleet's sites are
 * known (`knownSites` non-empty), one of them; a job number, when present, must be a positive safe integer.
 */
export function restoreTarget(state: unknown, knownSites: readonly string[] | undefined): RestoreTarget {
  if (typeof state !== 'object' || state === null) return { kind: 'close', reason: 'the panel has no saved state' };
  const { site, jobNumber } = state as { site?: unknown; jobNumber?: unknown };
  if (!isSiteName(site)) return { kind: 'close', reason: 'its saved state names no valid site' };
  if (knownSites && knownSites.length > 0 && !knownSites.includes(site)) {
    return {
      kind: 'placeholder',
      site,
      message: `The visual report of ${site} was not restored: ${site} is not among the Planet 4 sites (planet4.sites or sites.txt) any more.`,
    };
  }
  if (jobNumber === undefined) return { kind: 'restore', site };
  if (typeof jobNumber !== 'number' || !Number.isSafeInteger(jobNumber) || jobNumber <= 0) {
    return {
      kind: 'placeholder',
      site,
      message: `The visual report of ${site} was not restored: its saved job number is not valid. Open it again from the pipelines view.`,
    };
  }
  return { kind: 'restore', site, jobNumber };
}
