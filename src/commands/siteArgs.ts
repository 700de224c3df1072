import * as vscode from 'vscode';
import type { SiteSnapshot } from '../core/fleet/types';
import { STATE_WORDS } from '../core/pipeline/stages';
import { releaseTagProblem } from '../core/release/version';
import { normalizeSiteName } from '../core/util/names';
import type { Services } from '../services';

/** What the site checks need: the fleet's site list, and a way to wait until it (and a site's snapshot) is loaded. */
export type SiteServices = Pick<Services, 'fleet' | 'whenReady'>;

/**
 * The site a command acts on: from its argument (a tree node or `{site}`), or — run from the command palette
 * without one — picked by the user among the sites `offer` accepts. Undefined when the pick is dismissed.
 * Either way the site list is loaded first and the command acts on the site's loaded snapshot.
 */
export async function siteFor(
  services: SiteServices,
  arg: unknown,
  title: string,
  offer: (s: SiteSnapshot) => boolean = () => true,
): Promise<string | undefined> {
  if (arg !== undefined) return requireSite(services, arg);
  await services.whenReady();
  const sites = services.fleet.all().filter(offer);
  if (sites.length === 0) throw new Error(vscode.l10n.t('{0}: no site can be chosen now.', title));
  const pick = await vscode.window.showQuickPick(
    sites.map((s) => ({
      label: s.site,
      description: [s.pipeline?.tag, STATE_WORDS[s.state]].filter(Boolean).join(' · '),
      site: s.site,
    })),
    { title, placeHolder: vscode.l10n.t('Site'), matchOnDescription: true },
  );
  if (pick === undefined) return undefined;
  await services.whenReady(pick.site);
  return pick.site;
}

/**
 * The one check of a command's site, for every command and every site of a selection:
 * 1. the argument is an object (a tree node or `{site}`) naming a site by the site name rules — checked before any
 *    request;
 * 2. once the site list is loaded (right after activation it is still empty), the site is one of the fleet's;
 * 3. the site's snapshot is loaded (`snapshot: false` for a command that loads it itself).
 */
export async function requireSite(
  services: SiteServices,
  arg: unknown,
  options: { snapshot?: boolean } = {},
): Promise<string> {
  const site = siteArgument(arg);
  await services.whenReady();
  if (!services.fleet.sites.includes(site)) {
    throw new Error(
      vscode.l10n.t('Unknown site "{0}": it is not in the Planet 4 site list (planet4.sites or sites.txt).', site),
    );
  }
  if (options.snapshot !== false) await services.whenReady(site);
  return site;
}

/** The site named by a command's argument, checked by the site name rules alone (no request, no site list). */
export function siteArgument(arg: unknown): string {
  if (arg === undefined) throw new Error(whichSite());
  if (typeof arg !== 'object' || arg === null) {
    throw new Error(vscode.l10n.t('Pass an argument object such as {site: "africa"}, not {0}.', describeValue(arg)));
  }
  // A tree node and `{site}` both carry the site as `site`.
  const raw = (arg as { site?: unknown }).site;
  if (raw !== undefined && raw !== null && typeof raw !== 'string')
    throw new Error(vscode.l10n.t('"site" must be a string.'));
  if (typeof raw !== 'string' || raw.trim() === '') throw new Error(whichSite());
  const site = normalizeSiteName(raw);
  if (site === undefined) {
    throw new Error(
      vscode.l10n.t(
        '{0} is not a site name: letters, digits and dashes, as in sites.txt (e.g. {site: "africa"}).',
        describeValue(raw),
      ),
    );
  }
  return site;
}

const whichSite = (): string => vscode.l10n.t('Which site? Pass {site: "<name>"} (e.g. {site: "africa"}).');

/** `"africa-typo"`, `the number 42`: a value in a message, never longer than a line. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return 'null';
  if (typeof value === 'number') return vscode.l10n.t('the number {0}', String(value));
  if (typeof value === 'boolean') return vscode.l10n.t('the boolean {0}', String(value));
  if (typeof value === 'bigint') return vscode.l10n.t('the bigint {0}', String(value));
  return vscode.l10n.t('a {0}', typeof value);
}

export function optionalString(arg: unknown, key: string): string | undefined {
  if (typeof arg !== 'object' || arg === null || !(key in arg)) return undefined;
  const v = (arg as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(vscode.l10n.t('"{0}" must be a string.', key));
  return v.trim();
}

/** `true`, `false` or absent: anything else (`"false"`, `0`, `null`) is refused, never read as truthy. */
export function optionalBoolean(arg: unknown, key: string): boolean | undefined {
  if (typeof arg !== 'object' || arg === null || !(key in arg)) return undefined;
  const v = (arg as Record<string, unknown>)[key];
  if (v === undefined || typeof v === 'boolean') return v;
  throw new Error(vscode.l10n.t('"{0}" must be true or false.', key));
}

export function requireTag(tag: string | undefined, what = 'tag'): string {
  if (!tag) throw new Error(vscode.l10n.t('Which {0}? Pass a release tag such as v1.2.3.', what));
  const problem = releaseTagProblem(tag);
  if (problem !== undefined) throw new Error(problem);
  return tag;
}
