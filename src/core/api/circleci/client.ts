import { collect } from '../pages';
import { silentLogger, type Logger } from '../../util/logger';
import { downloadArtifact, downloadArtifactToFile, type DownloadOptions } from './downloads';
import { CircleCiTransport, type CircleCiClientOptions } from './transport';
import type {
  Artifact,
  ArtifactListPage,
  Job,
  JobListPage,
  Pipeline,
  PipelineListPage,
  TriggeredPipeline,
  User,
  Workflow,
  WorkflowListPage,
} from './types';

/** Pages of workflows, jobs or artifacts read at most for one list. */
const MAX_LIST_PAGES = 50;

/**
 * CircleCI API v2 over axios: a token per request and only to CircleCI's origins, a total deadline and a size
 * limit on every request, typed errors, bounded pagination, GET-only retries that honour Retry-After (and refuse to
 * call a throttled route again before its time), one shot for mutations. The transport is `CircleCiTransport`
 * (`transport.ts`), the artifact downloads are in `downloads.ts`.
 */
export class CircleCiClient {
  private readonly transport: CircleCiTransport;
  private readonly log: Logger;

  constructor(options: CircleCiClientOptions) {
    this.transport = new CircleCiTransport(options);
    this.log = options.log ?? silentLogger;
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  // ---------------------------------------------------------------- reads

  me(): Promise<User> {
    return this.transport.call<User>('/me', { what: 'read the signed-in CircleCI user' });
  }

  /** A CircleCI user by id (who approved or canceled a job: `approved_by`, `canceled_by`). */
  getUser(id: string): Promise<User> {
    return this.transport.call<User>(`/user/${encodeURIComponent(id)}`, { what: `read the CircleCI user ${id}` });
  }

  listPipelinesPage(slug: string, pageToken?: string): Promise<PipelineListPage> {
    return this.transport.call<PipelineListPage>(`/project/${slug}/pipeline`, {
      query: { 'page-token': pageToken },
      what: `list the pipelines of ${slug}`,
    });
  }

  getPipelineByNumber(slug: string, pipelineNumber: number): Promise<Pipeline> {
    return this.transport.call<Pipeline>(`/project/${slug}/pipeline/${pipelineNumber}`, {
      what: `read pipeline ${pipelineNumber} of ${slug}`,
    });
  }

  listWorkflows(pipelineId: string): Promise<Workflow[]> {
    return this.all<Workflow, WorkflowListPage>(`the workflows of pipeline ${pipelineId}`, (token) =>
      this.transport.call(`/pipeline/${encodeURIComponent(pipelineId)}/workflow`, {
        query: { 'page-token': token },
        what: `list the workflows of pipeline ${pipelineId}`,
      }),
    );
  }

  listJobs(workflowId: string): Promise<Job[]> {
    return this.all<Job, JobListPage>(`the jobs of workflow ${workflowId}`, (token) =>
      this.transport.call(`/workflow/${encodeURIComponent(workflowId)}/job`, {
        query: { 'page-token': token },
        what: `list the jobs of workflow ${workflowId}`,
      }),
    );
  }

  listArtifacts(slug: string, jobNumber: number): Promise<Artifact[]> {
    return this.all<Artifact, ArtifactListPage>(`the artifacts of job ${jobNumber} of ${slug}`, (token) =>
      this.transport.call(`/project/${slug}/${jobNumber}/artifacts`, {
        query: { 'page-token': token },
        what: `list the artifacts of job ${jobNumber} of ${slug}`,
      }),
    );
  }

  /**
   * Downloads an artifact into memory, refusing more than `maxBytes` (counted after decompression). The token goes
   * only to CircleCI's origins (see `mayReceiveToken`); redirects are followed by hand, at most 4.
   */
  download(url: string, options: DownloadOptions): Promise<Buffer> {
    return downloadArtifact(this.transport, url, options);
  }

  /**
   * Streams an artifact into `file` (created or truncated; removed again when the download fails), refusing more
   * than `maxBytes`. Resolves with the number of bytes written.
   */
  downloadToFile(url: string, file: string, options: DownloadOptions): Promise<number> {
    return downloadArtifactToFile(this.transport, url, file, options);
  }

  // ---------------------------------------------------------------- mutations (sent once, never retried)

  triggerPipeline(
    slug: string,
    body: { tag?: string; branch?: string; parameters?: Record<string, unknown> },
  ): Promise<TriggeredPipeline> {
    return this.transport.call<TriggeredPipeline>(`/project/${slug}/pipeline`, {
      method: 'POST',
      body,
      what: `trigger a pipeline of ${slug}`,
    });
  }

  async approveJob(workflowId: string, approvalRequestId: string): Promise<void> {
    await this.transport.call<unknown>(
      `/workflow/${encodeURIComponent(workflowId)}/approve/${encodeURIComponent(approvalRequestId)}`,
      { method: 'POST', what: `approve the job ${approvalRequestId} of workflow ${workflowId}` },
    );
  }

  /**
   * Cancels a workflow: its running jobs stop and its approval jobs on hold can never be approved (the one way to
   * really stop a release). Sent once, never retried.
   */
  async cancelWorkflow(workflowId: string): Promise<void> {
    await this.transport.call<unknown>(`/workflow/${encodeURIComponent(workflowId)}/cancel`, {
      method: 'POST',
      what: `cancel the workflow ${workflowId}`,
    });
  }

  // ---------------------------------------------------------------- plumbing

  /** Whether `url` may receive the token (after a redirect from `previous`): see `CircleCiTransport.mayReceiveToken`. */
  mayReceiveToken(url: URL, previous?: URL): boolean {
    return this.transport.mayReceiveToken(url, previous);
  }

  /** Every item of a CircleCI list, through the bounded pager. */
  private all<T, P extends { items: T[]; next_page_token?: string | null }>(
    what: string,
    page: (token?: string) => Promise<P>,
  ): Promise<T[]> {
    return collect(
      page,
      (p) => p.next_page_token ?? undefined,
      (p) => (Array.isArray(p.items) ? p.items : []),
      { maxPages: MAX_LIST_PAGES, what: `${what} (CircleCI)`, log: this.log },
    );
  }
}

export type { CircleCiClientOptions, DownloadOptions };
export type { Pipeline, Workflow, Job, Artifact };
