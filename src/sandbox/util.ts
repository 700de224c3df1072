import { createHash } from 'node:crypto';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Deterministic integer in [0, 2^32) from a seed. */
export function hashInt(seed: string): number {
  return parseInt(sha1(seed).slice(0, 8), 16);
}

/** Deterministic integer in [min, max] from a seed. */
export function hashRange(seed: string, min: number, max: number): number {
  return min + (hashInt(seed) % (max - min + 1));
}

export function pick<T>(items: readonly T[], seed: string): T {
  const item = items[hashInt(seed) % items.length];
  if (item === undefined) {
    throw new Error('pick from an empty list');
  }
  return item;
}

/** A deterministic version-4-shaped UUID. */
export function uuidFrom(seed: string): string {
  const h = sha1(seed);
  const variant = '89ab'[parseInt(h.charAt(16), 16) % 4] ?? '8';
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** GitHub style timestamp: no milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** CircleCI style timestamp: milliseconds. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function nodeId(prefix: string, text: string): string {
  return Buffer.from(`${prefix}:${text}`).toString('base64').replace(/=+$/, '');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
