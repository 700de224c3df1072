// The benchmark's figures: what is measured, the target, whether it is met, and how they print.
import * as os from 'os';

export interface Figure {
  /** Short, stable name, e.g. "cold load (noise none): wall time". */
  name: string;
  value: number;
  unit: string;
  /** The target in words ("≤ 1000 ms"), or null for a figure that is reported for information only. */
  target: string | null;
  /** Whether the target is met; true for an informational figure (no target). */
  met: boolean;
  note: string;
}

/** A figure with an upper bound (`value ≤ max`). */
export function atMost(
  name: string,
  value: number,
  unit: string,
  max: number,
  note: string,
  targetText?: string,
): Figure {
  return { name, value, unit, target: targetText ?? `≤ ${fmt(max)} ${unit}`, met: value <= max, note };
}

/** A figure without a target. */
export function info(name: string, value: number, unit: string, note: string): Figure {
  return { name, value, unit, target: null, met: true, note };
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** A Markdown table (it also reads well in a terminal). */
export function table(figures: readonly Figure[], header: string): string {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.target ?? '—',
    f.target === null ? '' : f.met ? 'yes' : '**NO**',
    f.note,
  ]);
  const head = ['Measure', 'Value', 'Target', 'Met', 'Note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [header, '', line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
