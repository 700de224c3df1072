/**
 * Messages between the wave report panel (extension host) and its webview script. No import at all: the webview
 * bundle imports this file too, and every text it shows comes translated from the host.
 */

/** One site of the wave, as the report lists it (sites.txt order). */
export interface WaveRowView {
  site: string;
  /** The tag this wave gave the site, once its release pipeline shows. */
  tag?: string;
  /** `WaveOutcome` (for the icon and the class). */
  outcome: string;
  /** The outcome in words (translated by the host). */
  outcomeWords: string;
  /** The outcome needs a person (the "next waiting site" walk visits it). */
  needsPerson: boolean;
  /** The site's release pipeline exists: the host can open it. */
  hasPipeline: boolean;
}

/** The texts of the page (translated by the host). */
export interface WaveLabels {
  site: string;
  tag: string;
  outcome: string;
  pipeline: string;
  report: string;
  next: string;
  copy: string;
  none: string;
}

export type WaveHostMessage =
  | {
      type: 'update';
      /** `Platform release v26.17.0` */
      title: string;
      /** `31 of 53 sites tagged · 22 remaining · ETA ~11 min · 4 sites need a person` */
      summary: string;
      /** `12 deployed · 3 waiting: visual differences · …` */
      counts: string;
      rows: WaveRowView[];
      /** The sites needing a person, in order; the next one the walk opens first. */
      nextSite?: string;
      labels: WaveLabels;
    }
  | { type: 'empty'; message: string }
  /** The Markdown was put on the clipboard (or could not be). */
  | { type: 'copied'; message: string };

export type WaveWebviewMessage =
  | { type: 'ready' }
  | { type: 'openPipeline'; site: string }
  | { type: 'openReport'; site: string }
  | { type: 'next' }
  | { type: 'copyMarkdown' };

/** Site names as sites.txt holds them (letters, digits, dashes). */
const SITE = /^[a-z0-9][a-z0-9-]{0,99}$/i;

export function isWaveWebviewMessage(m: unknown): m is WaveWebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'openPipeline' || t === 'openReport') {
    const site = (m as { site?: unknown }).site;
    return typeof site === 'string' && SITE.test(site);
  }
  return t === 'ready' || t === 'next' || t === 'copyMarkdown';
}
