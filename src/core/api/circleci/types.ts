/**
 * CircleCI API v2 types, derived from the official OpenAPI description (generated into schema.d.ts by
 * `npm run gen:circleci-types`; never edited by hand).
 */
import type { operations } from './schema';

type Ok<O extends keyof operations, S extends number = 200> =
  operations[O]['responses'] extends Record<S, { content: { 'application/json': infer T } }> ? T : never;

export type PipelineListPage = Ok<'listPipelinesForProject'>;
export type Pipeline = PipelineListPage['items'][number];
export type WorkflowListPage = Ok<'listWorkflowsByPipelineId'>;
export type Workflow = WorkflowListPage['items'][number];
export type JobListPage = Ok<'listWorkflowJobs'>;
export type Job = JobListPage['items'][number];
export type ArtifactListPage = Ok<'getJobArtifacts'>;
export type Artifact = ArtifactListPage['items'][number];
export type User = Ok<'getCurrentUser'>;
export type TriggeredPipeline = Ok<'triggerPipeline', 201>;
export type WorkflowStatus = Workflow['status'];
export type JobStatus = Job['status'];

/** Workflow statuses after which neither the workflow nor its jobs change any more. */
const FINISHED_WORKFLOW_STATUSES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'error',
  'canceled',
  'not_run',
  'unauthorized',
]);

export function isWorkflowFinished(status: string): boolean {
  return FINISHED_WORKFLOW_STATUSES.has(status);
}

export function projectSlug(organization: string, site: string): string {
  return `gh/${organization}/planet4-${site}`;
}
