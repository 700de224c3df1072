// The sandbox in a worker thread: a separate V8 heap, so that the soak test's heap figures are the
// extension code's alone (the simulated world grows with simulated time; it must not count).
import { MessagePort, Worker, parentPort, workerData } from 'worker_threads';
import { startSandbox, type Sandbox, type SandboxOptions, type ScenarioRoles } from '../src/sandbox';
import { countRequests, type RequestCounts } from './requests';

type Request = { id: number } & ({ op: 'advance'; ms: number } | { op: 'take' } | { op: 'close' });
type Reply = { id: number; now: number; counts?: RequestCounts; error?: string };

interface Ready {
  circleciApiUrl: string;
  githubApiUrl: string;
  tokens: Sandbox['tokens'];
  sites: string[];
  roles: ScenarioRoles;
  now: number;
}

/** What the main thread sees of a sandbox that runs in a worker. */
export interface RemoteSandbox extends Omit<Ready, 'now'> {
  /** The simulated time, mirrored after every advance (synchronous, for Fleet/Poller `now`). */
  readonly now: () => number;
  readonly advance: (ms: number) => Promise<void>;
  /** Counts the requests logged since the last call, and clears the log. */
  readonly take: () => Promise<RequestCounts>;
  readonly close: () => Promise<void>;
}

export async function startSandboxWorker(file: string, options: SandboxOptions): Promise<RemoteSandbox> {
  const worker = new Worker(file, { workerData: { sandboxWorker: true, options } });
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('message', (m: Ready | { error: string }) => {
      if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
  let now = ready.now;
  let nextId = 1;
  const pending = new Map<number, (r: Reply) => void>();
  worker.on('message', (r: Reply) => {
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  const call = (req: Request): Promise<Reply> =>
    new Promise<Reply>((resolve, reject) => {
      pending.set(req.id, (r) => {
        now = r.now;
        if (r.error !== undefined) reject(new Error(r.error));
        else resolve(r);
      });
      worker.postMessage(req);
    });
  return {
    circleciApiUrl: ready.circleciApiUrl,
    githubApiUrl: ready.githubApiUrl,
    tokens: ready.tokens,
    sites: ready.sites,
    roles: ready.roles,
    now: () => now,
    advance: async (ms) => {
      await call({ id: nextId++, op: 'advance', ms });
    },
    take: async () => {
      const r = await call({ id: nextId++, op: 'take' });
      if (!r.counts) throw new Error('sandbox worker: no counts');
      return r.counts;
    },
    close: async () => {
      await call({ id: nextId++, op: 'close' });
      await worker.terminate();
    },
  };
}

export function isSandboxWorker(): boolean {
  return parentPort !== null && (workerData as { sandboxWorker?: boolean } | null)?.sandboxWorker === true;
}

/** The worker's side (called from the bench entry when it runs as the worker). */
export async function runSandboxWorker(): Promise<void> {
  const port = parentPort as MessagePort;
  const { options } = workerData as { options: SandboxOptions };
  let sb: Sandbox;
  try {
    sb = await startSandbox(options);
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    return;
  }
  const ready: Ready = {
    circleciApiUrl: sb.circleciApiUrl,
    githubApiUrl: sb.githubApiUrl,
    tokens: sb.tokens,
    sites: [...sb.sites],
    roles: sb.roles,
    now: sb.clock.now(),
  };
  port.postMessage(ready);
  port.on('message', (req: Request) => {
    void (async (): Promise<Reply> => {
      switch (req.op) {
        case 'advance':
          sb.clock.advance(req.ms);
          return { id: req.id, now: sb.clock.now() };
        case 'take': {
          const counts = countRequests(sb.requests);
          sb.clearRequests();
          return { id: req.id, now: sb.clock.now(), counts };
        }
        case 'close':
          await sb.close();
          return { id: req.id, now: sb.clock.now() };
      }
    })()
      .catch((e: unknown) => ({ id: req.id, now: sb.clock.now(), error: e instanceof Error ? e.message : String(e) }))
      .then((reply) => {
        port.postMessage(reply);
      });
  });
}
