/**
 * Typed failures of the CircleCI and GitHub clients. Messages are written for a release manager and never
 * contain a token (see `redact`).
 */
export type Service = 'circleci' | 'github';

export type ApiErrorKind =
  | 'unauthorized' // 401: no token, a wrong or revoked token
  | 'forbidden' // 403 without rate limit: token lacks a permission
  | 'notFound' // 404: missing, or no access (both services answer 404 for private things you cannot see)
  | 'conflict' // 409/422: the request is valid but the state does not allow it (ref exists, not a fast forward)
  | 'invalid' // 400: the request was refused as malformed
  | 'rateLimited' // 429, or GitHub 403 with x-ratelimit-remaining: 0
  | 'server' // 5xx
  | 'timeout' // no answer in time
  | 'network' // connection refused, DNS, reset
  | 'malformed' // the answer was not the JSON we expect (or pointed somewhere it must not)
  | 'tooLarge'; // the answer was bigger than the client accepts

const SERVICE_NAMES: Record<Service, string> = { circleci: 'CircleCI', github: 'GitHub' };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly service: Service,
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    /** For `rateLimited`: how long the service asked us to wait. */
    readonly retryAfterMs?: number,
    /** The service's own message, e.g. `Reference already exists`. */
    readonly serviceMessage?: string,
    /**
     * A mutation whose request may have reached the service although no answer came back (a timeout or a reset after
     * the request was sent, a 5xx): it may have happened, so it must be checked, never blindly sent again.
     */
    readonly outcomeUnknown = false,
  ) {
    super(message);
  }

  /** The same failure of a mutation that may have happened anyway (see `outcomeUnknown`). */
  withOutcomeUnknown(): ApiError {
    const e = new ApiError(
      this.service,
      this.kind,
      this.message,
      this.status,
      this.retryAfterMs,
      this.serviceMessage,
      true,
    );
    e.stack = this.stack;
    return e;
  }

  get serviceName(): string {
    return SERVICE_NAMES[this.service];
  }

  /** True for failures that say nothing about the site itself: the service is unreachable from here. */
  get isConnectivity(): boolean {
    return this.kind === 'network' || this.kind === 'timeout';
  }
}

export function describeWait(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.ceil(s / 60);
  return m < 90 ? `${m} min` : `${Math.ceil(m / 60)} h`;
}

/** Builds the user-facing error for an HTTP status answered by a service. */
export function errorForStatus(
  service: Service,
  status: number,
  serviceMessage: string | undefined,
  what: string,
  retryAfterMs?: number,
  outcomeUnknown = false,
): ApiError {
  const name = SERVICE_NAMES[service];
  serviceMessage = serviceMessage === undefined ? undefined : cleanServiceMessage(serviceMessage);
  const said = serviceMessage ? ` (${name}: "${serviceMessage}")` : '';
  if (status === 401) {
    return new ApiError(
      service,
      'unauthorized',
      `${name} rejected the token: sign in again.${said}`,
      status,
      undefined,
      serviceMessage,
    );
  }
  if (status === 429 || retryAfterMs !== undefined) {
    const wait = retryAfterMs ?? 60_000;
    return new ApiError(
      service,
      'rateLimited',
      `${name} is rate limiting requests: try again in ${describeWait(wait)}.`,
      status,
      wait,
      serviceMessage,
    );
  }
  if (status === 403) {
    return new ApiError(service, 'forbidden', `No permission to ${what}${said}.`, status, undefined, serviceMessage);
  }
  if (status === 404) {
    return new ApiError(
      service,
      'notFound',
      `Not found, or no access: ${what}${said}.`,
      status,
      undefined,
      serviceMessage,
    );
  }
  if (status === 409 || status === 422) {
    return new ApiError(service, 'conflict', `${name} refused to ${what}${said}.`, status, undefined, serviceMessage);
  }
  if (status >= 500) {
    return new ApiError(
      service,
      'server',
      `${name} had a server error (${status}) while trying to ${what}.`,
      status,
      undefined,
      serviceMessage,
      outcomeUnknown,
    );
  }
  return new ApiError(
    service,
    'invalid',
    `${name} refused the request to ${what} (${status})${said}.`,
    status,
    undefined,
    serviceMessage,
  );
}

/** Longest service message kept (it is shown, logged and may be stored with a site's state). */
const MAX_SERVICE_MESSAGE = 300;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/** A service's own message as it may be shown: credentials removed, control characters flattened, bounded. */
function cleanServiceMessage(message: string): string {
  const flat = redact(message).replace(CONTROL_CHARACTERS, ' ').trim();
  return flat.length > MAX_SERVICE_MESSAGE ? `${flat.slice(0, MAX_SERVICE_MESSAGE)}…` : flat;
}

/** Removes anything that looks like a credential from a text before it is logged or shown. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{8,})/g, '***')
    .replace(/\b(github_pat_[A-Za-z0-9_]{8,})/g, '***')
    .replace(/\b(CCIPAT_[A-Za-z0-9_]{8,})/g, '***')
    .replace(/(circle-token|authorization)(["':= ]+)(bearer |token |basic )?[^\s"',]+/gi, '$1$2$3***');
}
