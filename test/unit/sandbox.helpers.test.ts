import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../src/sandbox/index';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export function specsDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'resources', 'specs');
    if (fs.existsSync(path.join(candidate, 'circleci-api-v2.openapi.json'))) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('resources/specs not found');
    }
    dir = parent;
  }
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function gh(
  sb: Sandbox,
  p: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const token = init.token === undefined ? sb.tokens.github : init.token;
  return call(`${sb.githubApiUrl}${p}`, {
    ...(init.method !== undefined ? { method: init.method } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

export function ci(
  sb: Sandbox,
  p: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const token = init.token === undefined ? sb.tokens.circleci : init.token;
  return call(`${sb.circleciApiUrl}${p}`, {
    ...(init.method !== undefined ? { method: init.method } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    headers: token === null ? {} : { 'Circle-Token': token },
  });
}

export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`not an object: ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

export function arr(value: unknown): unknown[] {
  if (!Array.isArray(value)) {
    throw new Error(`not an array: ${JSON.stringify(value)}`);
  }
  return value as unknown[];
}

export function str(value: unknown): string {
  if (typeof value !== 'string') {
    throw new Error(`not a string: ${JSON.stringify(value)}`);
  }
  return value;
}

export interface CiJob {
  id: string;
  name: string;
  status: string;
  type: string;
  job_number?: number;
  approval_request_id?: string;
  started_at?: string;
}

export interface CiPipeline {
  id: string;
  number: number;
  vcs: { tag?: string; branch?: string; revision: string; commit?: { subject: string; body: string } };
  trigger: { type: string };
}

export function items<T>(answer: Answer): T[] {
  return arr(obj(answer.body).items) as T[];
}

export const slug = (site: string): string => `gh/greenpeace/planet4-${site}`;

/** Latest release (tag) pipeline of a site, walking the pages. */
export async function latestRelease(sb: Sandbox, site: string): Promise<CiPipeline> {
  let token: string | null = null;
  for (let i = 0; i < 20; i++) {
    const q: string = token === null ? '' : `?page-token=${encodeURIComponent(token)}`;
    const page = await ci(sb, `/project/${slug(site)}/pipeline${q}`);
    const found = items<CiPipeline>(page).find((p) => p.vcs.tag !== undefined);
    if (found) {
      return found;
    }
    const next = obj(page.body).next_page_token;
    if (typeof next !== 'string') {
      break;
    }
    token = next;
  }
  throw new Error(`no release pipeline for ${site}`);
}

export async function workflowOf(
  sb: Sandbox,
  pipelineId: string,
): Promise<{ id: string; name: string; status: string }> {
  const wfs = items<{ id: string; name: string; status: string }>(await ci(sb, `/pipeline/${pipelineId}/workflow`));
  const wf = wfs[0];
  if (!wf) {
    throw new Error('no workflow');
  }
  return wf;
}

export async function jobsOf(sb: Sandbox, workflowId: string): Promise<Map<string, CiJob>> {
  const list = items<CiJob>(await ci(sb, `/workflow/${workflowId}/job`));
  return new Map(list.map((j) => [j.name, j]));
}

export function statusesOf(jobs: Map<string, CiJob>): Record<string, string> {
  return Object.fromEntries([...jobs.values()].map((j) => [j.name, j.status]));
}
