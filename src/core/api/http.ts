/** What the clients report about every HTTP exchange (for logs and benchmarks; never carries a token). */
export interface RequestEvent {
  service: 'circleci' | 'github';
  method: string;
  /** Path and query, relative to the service base URL. */
  path: string;
  status: number | 'error';
  ms: number;
  attempt: number;
}

export type RequestObserver = (event: RequestEvent) => void;
