import { isSiteName } from '../util/names';
import type { FleetMemory, SiteMemory } from './memory';
import { isSiteState, type SiteSnapshot } from './types';

/**
 * The last known state, as kept in VS Code's globalState. Compact on purpose (it is read before `activate()` at
 * every reload): the snapshots, plus per site what cannot be derived from them; release tags are not kept.
 */
export interface PersistedFleet {
  version: 2;
  savedAt: number;
  sites: string[];
  snapshots: SiteSnapshot[];
  /** site → [newest pipeline number examined, whether the release workflow had finished] */
  seen: Record<string, [number | null, boolean]>;
}

/** The fleet to save: stages are stored already ordered, so their dependency ids (a third of the state) are not. */
export function persistedFleet(
  sites: string[],
  snapshots: Iterable<SiteSnapshot>,
  memory: FleetMemory,
  savedAt: number,
): PersistedFleet {
  const seen: PersistedFleet['seen'] = {};
  for (const [site, mem] of memory) seen[site] = [mem.seenUpTo ?? null, mem.finished === true];
  const stored = [...snapshots].map((s) => ({ ...s, stages: s.stages.map((st) => ({ ...st, dependencies: [] })) }));
  return { version: 2, savedAt, sites, snapshots: stored, seen };
}

/** What a saved fleet restores: its sites, their snapshots (stale) and the memory rebuilt from them. */
export interface RestoredFleet {
  sites: string[];
  snapshots: Map<string, SiteSnapshot>;
  memory: FleetMemory;
}

/**
 * Reads a saved fleet back, or undefined when its shape or names are not what this extension writes. Every restored
 * snapshot is marked stale; what a refresh needs to stay cheap (the release pipeline, a finished workflow's stages)
 * is rebuilt from the snapshots.
 */
export function restoredFleet(saved: unknown): RestoredFleet | undefined {
  if (!isPersistedFleet(saved)) return undefined;
  const sites = [...new Set(saved.sites)];
  const snapshots = new Map<string, SiteSnapshot>();
  const memory: FleetMemory = new Map();
  for (const s of saved.snapshots) {
    if (!sites.includes(s.site)) continue;
    snapshots.set(s.site, { ...s, stale: true });
    const [seenUpTo, finished] = seenOf(saved.seen[s.site]);
    const mem: SiteMemory = {};
    if (s.pipeline && s.state !== 'error') {
      mem.pipeline = s.pipeline;
      if (s.workflow) {
        mem.workflow = s.workflow;
        mem.stages = s.stages;
        mem.finished = finished;
      }
    }
    if (seenUpTo !== null) mem.seenUpTo = seenUpTo;
    if (s.next) mem.next = s.next;
    memory.set(s.site, mem);
  }
  return { sites, snapshots, memory };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isString = (x: unknown): x is string => typeof x === 'string';

/** A saved snapshot with the shape the tree relies on (only this extension writes them, but versions change). */
function isSnapshot(x: unknown): x is SiteSnapshot {
  if (!isObject(x) || !isSiteName(x.site) || !isString(x.slug) || !isSiteState(x.state)) return false;
  if (!Array.isArray(x.stages) || !x.stages.every((st) => isObject(st) && isString(st.name) && isString(st.status)))
    return false;
  const p = x.pipeline;
  if (p !== undefined && !(isObject(p) && isString(p.id) && typeof p.number === 'number' && isString(p.tag)))
    return false;
  const w = x.workflow;
  if (w !== undefined && !(isObject(w) && isString(w.id) && isString(w.name) && isString(w.status))) return false;
  return x.next === undefined || (isObject(x.next) && isString(x.next.headSha));
}

function isPersistedFleet(x: unknown): x is PersistedFleet {
  return (
    isObject(x) &&
    x.version === 2 &&
    Array.isArray(x.sites) &&
    x.sites.every(isSiteName) &&
    Array.isArray(x.snapshots) &&
    x.snapshots.every(isSnapshot) &&
    isObject(x.seen)
  );
}

/** A saved `seen` entry, or nothing known. */
function seenOf(x: unknown): [number | null, boolean] {
  if (!Array.isArray(x)) return [null, false];
  const [n, finished] = x as unknown[];
  return [typeof n === 'number' && Number.isSafeInteger(n) ? n : null, finished === true];
}
