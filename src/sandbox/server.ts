import * as http from 'node:http';
import type { Socket } from 'node:net';
import { handleArtifact, siteOfArtifactPath } from './artifacts';
import { handleCircleci, siteOfCircleciPath } from './circleci';
import { faultReply, type Faults } from './faults';
import { conditional, handleGithub } from './github';
import type { AuthKind, Ctx, Reply, Service } from './http';
import { TOKENS } from './people';
import type { World } from './world';

export interface RequestLogEntry {
  service: Service;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body?: unknown;
  auth: AuthKind;
  time: number;
  site?: string;
}

export interface ServerDeps {
  world: World;
  faults: Faults;
  log: RequestLogEntry[];
  latencyMs: number;
  dataDir: string;
  backstopFiles: () => readonly string[];
}

const GITHUB_PREFIX = '/github';
const CIRCLECI_PREFIX = '/circleci/api/v2';
const RATE_RESET = Math.floor(Date.now() / 1000) + 3600;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function authOf(req: http.IncomingMessage): { auth: AuthKind; token?: string } {
  const circle = req.headers['circle-token'];
  if (typeof circle === 'string' && circle !== '') {
    return { auth: 'circle-token', token: circle };
  }
  const header = req.headers.authorization ?? '';
  const m = /^(\w+)\s+(.+)$/.exec(header.trim());
  if (!m) {
    return { auth: 'none' };
  }
  const scheme = (m[1] ?? '').toLowerCase();
  const value = (m[2] ?? '').trim();
  if (scheme === 'bearer') {
    return { auth: 'bearer', token: value };
  }
  if (scheme === 'token') {
    return { auth: 'token', token: value };
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    return { auth: 'basic', token: user };
  }
  return { auth: 'none' };
}

function decode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export class SandboxServer {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly githubUsed = new Map<string, number>();
  private closed = false;
  url = '';

  constructor(private readonly deps: ServerDeps) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `Internal sandbox error: ${String(err)}` }));
        }
      });
    });
    this.server.keepAliveTimeout = 1000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address();
        const actual = typeof address === 'object' && address ? address.port : port;
        this.url = `http://127.0.0.1:${actual}`;
        resolve(this.url);
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      for (const socket of this.sockets) {
        socket.destroy();
      }
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { world, faults, log } = this.deps;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let service: Service | undefined;
    let rel = '';
    const rawPath = url.pathname;
    if (rawPath === GITHUB_PREFIX || rawPath.startsWith(`${GITHUB_PREFIX}/`)) {
      service = 'github';
      rel = rawPath.slice(GITHUB_PREFIX.length);
    } else if (rawPath === CIRCLECI_PREFIX || rawPath.startsWith(`${CIRCLECI_PREFIX}/`)) {
      service = 'circleci';
      rel = rawPath.slice(CIRCLECI_PREFIX.length);
    } else if (rawPath.startsWith('/output/job/')) {
      service = 'artifacts';
      rel = rawPath;
    }
    if (service === undefined) {
      this.send(res, { status: 404, body: { message: 'Not Found' } }, undefined);
      return;
    }
    const path = decode(rel === '' ? '/' : rel);
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    let body: unknown;
    let bodyError = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        bodyError = true;
      }
    }
    const { auth, token } = authOf(req);
    const site = this.siteOf(service, path);
    const entry: RequestLogEntry = { service, method, path, query, status: 0, auth, time: Date.now() };
    if (body !== undefined) {
      entry.body = body;
    }
    if (site !== undefined) {
      entry.site = site;
    }
    log.push(entry);
    const fault = faults.match({ service, method, path, ...(site !== undefined ? { site } : {}) });
    const delay = this.deps.latencyMs + fault.latencyMs;
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
    if (this.closed || res.destroyed) {
      return;
    }
    const base = service === 'github' ? `${this.url}${GITHUB_PREFIX}` : `${this.url}${CIRCLECI_PREFIX}`;
    const ctx: Ctx = { method, path, query, body, bodyError, auth, token, base, root: this.url };
    if (fault.rule) {
      const reply = faultReply(service, fault.rule, () => {
        res.socket?.destroy();
      });
      if (reply === undefined) {
        return;
      }
      entry.status = reply.status;
      this.send(res, reply, service, token);
      return;
    }
    let reply: Reply;
    if (service === 'github') {
      reply = conditional(handleGithub(world, ctx), method, req.headers['if-none-match']);
    } else if (service === 'circleci') {
      reply = handleCircleci(world, this.deps.backstopFiles(), ctx);
    } else {
      reply = handleArtifact(world, this.deps.dataDir, ctx);
    }
    entry.status = reply.status;
    this.send(res, reply, service, token);
  }

  private siteOf(service: Service, path: string): string | undefined {
    const { world } = this.deps;
    if (service === 'github') {
      const m = /^\/repos\/[^/]+\/planet4-([^/]+)/.exec(path);
      return m && world.isSite(m[1] ?? '') ? m[1] : undefined;
    }
    return service === 'circleci' ? siteOfCircleciPath(world, path) : siteOfArtifactPath(world, path);
  }

  private send(res: http.ServerResponse, reply: Reply, service: Service | undefined, token?: string): void {
    if (res.destroyed) {
      return;
    }
    const headers: Record<string, string> = {};
    if (service === 'github') {
      const key = token ?? '';
      // like GitHub, a 304 answer to a conditional request does not count against the rate limit
      const used = (this.githubUsed.get(key) ?? 0) + (reply.status === 304 ? 0 : 1);
      this.githubUsed.set(key, used);
      Object.assign(headers, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(0, 5000 - used)),
        'x-ratelimit-reset': String(RATE_RESET),
        'x-ratelimit-used': String(used),
        'x-ratelimit-resource': 'core',
        'x-github-api-version-selected': '2022-11-28',
      });
    } else if (service === 'circleci') {
      Object.assign(headers, {
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '999',
        'x-ratelimit-reset': '60',
        'ratelimit-limit': '1000',
        'ratelimit-remaining': '999',
        'ratelimit-reset': '60',
      });
    }
    Object.assign(headers, reply.headers ?? {});
    let payload: Buffer | string | undefined;
    if (reply.raw !== undefined) {
      payload = reply.raw;
      headers['content-type'] = reply.contentType ?? 'application/octet-stream';
    } else if (reply.body !== undefined && reply.status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    if (payload !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}

export { TOKENS };
