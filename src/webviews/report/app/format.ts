/** The words and numbers the report shows: percentages, durations, counts, size changes. */
import type { ViewTest } from '../protocol';

/** `0.10 %`; `–` when the report has no value. */
export function pct(n: number | undefined): string {
  return n === undefined ? '–' : `${n.toFixed(2)} %`;
}

/** `42 s` / `1 min 35 s`; undefined when unknown. */
export function duration(ms: number | undefined): string | undefined {
  if (ms === undefined || ms < 0) return undefined;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** `1 image` / `2 images`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `size changed: width +12 px, height -168 px` when the test image's size differs from the reference's. */
export function sizeChange(t: ViewTest): string | undefined {
  if (t.sameDimensions !== false) return undefined;
  const d = t.dimensionDifference;
  if (!d) return 'size changed';
  const sign = (n: number): string => (n > 0 ? `+${n}` : String(n));
  return `size changed: width ${sign(d.width)} px, height ${sign(d.height)} px`;
}
