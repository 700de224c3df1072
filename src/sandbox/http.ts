export type Service = 'github' | 'circleci' | 'artifacts';
export type AuthKind = 'none' | 'bearer' | 'token' | 'basic' | 'circle-token';

export interface Reply {
  status: number;
  body?: unknown;
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Ctx {
  method: string;
  /** decoded path relative to the service base */
  path: string;
  query: Record<string, string>;
  body: unknown;
  bodyError: boolean;
  auth: AuthKind;
  token: string | undefined;
  /** base URL of the service (for links) */
  base: string;
  /** server URL */
  root: string;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** `per_page` / `page` (GitHub). */
export function pageParams(query: Record<string, string>, defaultPer = 30): { per: number; page: number } {
  const perRaw = Number.parseInt(query.per_page ?? '', 10);
  const pageRaw = Number.parseInt(query.page ?? '', 10);
  const per = Number.isFinite(perRaw) && perRaw > 0 ? Math.min(perRaw, 100) : defaultPer;
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;
  return { per, page };
}

/** GitHub `Link` header for a paginated list. */
export function linkHeader(ctx: Ctx, per: number, page: number, total: number): string | undefined {
  const last = Math.max(1, Math.ceil(total / per));
  const url = (p: number): string => {
    const params = new URLSearchParams({ ...ctx.query, per_page: String(per), page: String(p) });
    return `<${ctx.base}${encodePath(ctx.path)}?${params.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) {
    parts.push(`${url(page - 1)}; rel="prev"`);
  }
  if (page < last) {
    parts.push(`${url(page + 1)}; rel="next"`, `${url(last)}; rel="last"`);
  }
  if (page > 1) {
    parts.push(`${url(1)}; rel="first"`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** CircleCI page tokens: opaque base64url of an offset. */
function encodePageToken(offset: number, key: string): string {
  return Buffer.from(JSON.stringify({ o: offset, k: key })).toString('base64url');
}

function decodePageToken(token: string | undefined, key: string): number | undefined {
  if (token === undefined || token === '') {
    return 0;
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'o' in parsed && 'k' in parsed) {
      const { o, k } = parsed;
      if (typeof o === 'number' && k === key && o >= 0) {
        return o;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function paginate<T>(
  items: readonly T[],
  token: string | undefined,
  key: string,
  size = 20,
): { items: T[]; next_page_token: string | null } | undefined {
  const offset = decodePageToken(token, key);
  if (offset === undefined) {
    return undefined;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? encodePageToken(offset + size, key) : null;
  return { items: page, next_page_token: next };
}
