/** The sandbox's CircleCI v2 objects (pipelines, workflows, jobs), shaped as the official description says. */
import { json, type Ctx, type Reply } from './http';
import { workflowStatus, type Job, type Pipeline, type Workflow } from './pipelines';
import type { Project } from './project';
import { isoMillis } from './util';

export function ciUnauthorized(): Reply {
  return json(401, { message: 'You must log in first' });
}

export function pipelineJson(p: Pipeline): Record<string, unknown> {
  const repoUrl = `https://github.com/greenpeace/${p.project.repoName}`;
  const vcs: Record<string, unknown> = {
    provider_name: 'GitHub',
    target_repository_url: repoUrl,
    origin_repository_url: repoUrl,
    revision: p.vcs.revision,
  };
  if (p.vcs.branch !== undefined) {
    vcs.branch = p.vcs.branch;
  }
  if (p.vcs.tag !== undefined) {
    vcs.tag = p.vcs.tag;
  }
  if (p.vcs.revision !== '' && p.noCommit !== true) {
    vcs.commit = { subject: p.vcs.subject, body: p.vcs.body };
  }
  const out: Record<string, unknown> = {
    id: p.id,
    errors: p.errors,
    project_slug: p.project.slug,
    updated_at: isoMillis(p.createdAt),
    number: p.number,
    state: p.state,
    created_at: isoMillis(p.createdAt),
    trigger: {
      type: p.triggerType,
      received_at: isoMillis(p.createdAt),
      actor: { login: p.actor.login, avatar_url: `https://avatars.githubusercontent.com/${p.actor.login}` },
    },
    vcs,
  };
  if (Object.keys(p.parameters).length > 0) {
    out.trigger_parameters = { ...p.parameters };
  }
  return out;
}

export function workflowJson(wf: Workflow): Record<string, unknown> {
  return {
    pipeline_id: wf.pipeline.id,
    id: wf.id,
    name: wf.name,
    project_slug: wf.pipeline.project.slug,
    status: workflowStatus(wf),
    started_by: wf.startedBy,
    pipeline_number: wf.pipeline.number,
    created_at: isoMillis(wf.createdAt),
    stopped_at: wf.stoppedAt === undefined ? null : isoMillis(wf.stoppedAt),
  };
}

export function jobJson(job: Job): Record<string, unknown> {
  const wf = job.workflow;
  const out: Record<string, unknown> = {
    dependencies: job.requires
      .map((name) => wf.jobs.find((j) => j.name === name)?.id)
      .filter((id): id is string => id !== undefined),
    id: job.id,
    name: job.name,
    project_slug: wf.pipeline.project.slug,
    status: job.status,
    type: job.type,
  };
  if (job.number !== undefined) {
    out.job_number = job.number;
  }
  if (job.startedAt !== undefined) {
    out.started_at = isoMillis(job.startedAt);
    out.stopped_at = job.stoppedAt === undefined ? null : isoMillis(job.stoppedAt);
  }
  if (job.type === 'approval') {
    out.approval_request_id = job.id;
    if (job.approvedBy !== undefined) {
      out.approved_by = job.approvedBy;
    }
  }
  if (job.canceledBy !== undefined) {
    out.canceled_by = job.canceledBy;
  }
  return out;
}

export function jobDetails(ctx: Ctx, project: Project, job: Job): Record<string, unknown> {
  const wf = job.workflow;
  const started = job.startedAt ?? wf.createdAt;
  return {
    web_url: `https://app.circleci.com/pipelines/github/greenpeace/${project.repoName}/${wf.pipeline.number}/workflows/${wf.id}/jobs/${job.number ?? 0}`,
    project: {
      id: project.id,
      slug: project.slug,
      name: project.repoName,
      external_url: `https://github.com/greenpeace/${project.repoName}`,
    },
    parallel_runs: [{ index: 0, status: job.status }],
    started_at: isoMillis(started),
    latest_workflow: { id: wf.id, name: wf.name },
    name: job.name,
    executor: { resource_class: 'medium', type: 'docker' },
    parallelism: 1,
    status: job.status,
    number: job.number ?? 0,
    pipeline: { id: wf.pipeline.id },
    duration: job.stoppedAt === undefined ? null : job.stoppedAt - started,
    created_at: isoMillis(started),
    messages: [],
    contexts: [{ name: 'org-global' }],
    organization: { name: 'greenpeace' },
    queued_at: isoMillis(started),
    stopped_at: job.stoppedAt === undefined ? null : isoMillis(job.stoppedAt),
  };
}
