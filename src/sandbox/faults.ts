import { ciUnauthorized } from './circleciJson';
import { ghError, ghUnauthorized } from './githubJson';
import type { Reply, Service } from './http';

export interface FaultRule {
  service?: Service;
  method?: string;
  /** substring or regex tested against the log path */
  path?: string | RegExp;
  site?: string;
  /** default: unlimited */
  times?: number;
  kind: 'latency' | 'status' | 'rateLimit' | 'hang' | 'malformed' | 'unauthorized' | 'reset';
  latencyMs?: number;
  status?: number;
  body?: unknown;
  retryAfterSec?: number;
}

interface Entry {
  rule: FaultRule;
  left: number;
}

export interface RequestFacts {
  service: Service;
  method: string;
  path: string;
  site?: string;
}

export class Faults {
  private entries: Entry[] = [];

  add(rule: FaultRule): () => void {
    const entry: Entry = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
    this.entries.push(entry);
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  clear(): void {
    this.entries = [];
  }

  /** Total extra latency from matching latency rules, and the first matching other rule (each consumed once). */
  match(facts: RequestFacts): { latencyMs: number; rule?: FaultRule } {
    let latencyMs = 0;
    let rule: FaultRule | undefined;
    for (const entry of this.entries) {
      if (entry.left <= 0 || !matches(entry.rule, facts)) {
        continue;
      }
      if (entry.rule.kind === 'latency') {
        latencyMs += entry.rule.latencyMs ?? 0;
        entry.left -= 1;
      } else if (!rule) {
        rule = entry.rule;
        entry.left -= 1;
      }
    }
    this.entries = this.entries.filter((e) => e.left > 0);
    return rule ? { latencyMs, rule } : { latencyMs };
  }
}

function matches(rule: FaultRule, facts: RequestFacts): boolean {
  if (rule.service !== undefined && rule.service !== facts.service) {
    return false;
  }
  if (rule.method !== undefined && rule.method.toUpperCase() !== facts.method) {
    return false;
  }
  if (rule.site !== undefined && rule.site !== facts.site) {
    return false;
  }
  if (rule.path !== undefined) {
    if (typeof rule.path !== 'string') {
      rule.path.lastIndex = 0;
    }
    if (typeof rule.path === 'string' ? !facts.path.includes(rule.path) : !rule.path.test(facts.path)) {
      return false;
    }
  }
  return true;
}

/**
 * What a fault rule answers instead of the service; undefined: it answers nothing (hang, reset: `resetConnection` is
 * called), or it only adds latency.
 */
export function faultReply(service: Service, rule: FaultRule, resetConnection: () => void): Reply | undefined {
  switch (rule.kind) {
    case 'hang':
      return undefined;
    case 'reset':
      resetConnection();
      return undefined;
    case 'malformed':
      return { status: rule.status ?? 200, raw: '{"items": [{"id": ', contentType: 'application/json' };
    case 'unauthorized':
      return service === 'github' ? ghUnauthorized() : ciUnauthorized();
    case 'status':
      return {
        status: rule.status ?? 500,
        body: rule.body ?? (service === 'github' ? { message: 'Server Error' } : { message: 'Internal server error' }),
      };
    case 'rateLimit': {
      const retry = String(rule.retryAfterSec ?? 1);
      if (service === 'github') {
        const reply = ghError(rule.status ?? 403, `API rate limit exceeded for user ID 4200001.`);
        const reset = String(Math.floor(Date.now() / 1000) + (rule.retryAfterSec ?? 60));
        reply.headers = {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
          'x-ratelimit-used': '5000',
          'x-ratelimit-resource': 'core',
          ...(rule.retryAfterSec !== undefined ? { 'retry-after': retry } : {}),
        };
        if (rule.body !== undefined) {
          reply.body = rule.body;
        }
        return reply;
      }
      return {
        status: rule.status ?? 429,
        body: rule.body ?? { message: 'Rate limit exceeded' },
        headers: { 'retry-after': retry, 'x-ratelimit-remaining': '0', 'ratelimit-remaining': '0' },
      };
    }
    case 'latency':
      return undefined;
  }
}
