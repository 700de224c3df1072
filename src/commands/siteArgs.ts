import * as vscode from 'vscode';
import type { SiteSnapshot } from '../core/fleet/types';
import { STATE_WORDS } from '../core/pipeline/stages';
import { isReleaseTag } from '../core/release/version';
import type { Services } from '../services';
import { siteOf } from '../treeViews/nodes';

/**
 * The site a command acts on: from its argument (a tree node, `{site}` or a name), or — run from the command palette
 * without one — picked by the user among the sites `offer` accepts. Undefined when the pick is dismissed.
 */
export async function siteFor(
  services: Pick<Services, 'fleet'>,
  arg: unknown,
  title: string,
  offer: (s: SiteSnapshot) => boolean = () => true,
): Promise<string | undefined> {
  if (arg !== undefined) return requireSite(services, arg);
  const sites = services.fleet.all().filter(offer);
  if (sites.length === 0) throw new Error(`${title}: no site can be chosen now.`);
  const pick = await vscode.window.showQuickPick(
    sites.map((s) => ({
      label: s.site,
      description: [s.pipeline?.tag, STATE_WORDS[s.state]].filter(Boolean).join(' · '),
      site: s.site,
    })),
    { title, placeHolder: 'Site', matchOnDescription: true },
  );
  return pick?.site;
}

/** Reads and validates a command's `site` (before any request): it must be one of the fleet's sites. */
export function requireSite(services: Pick<Services, 'fleet'>, arg: unknown): string {
  const raw = siteOf(arg);
  if (raw === undefined || raw.trim() === '')
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
