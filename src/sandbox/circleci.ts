/** The sandbox's CircleCI API v2: the user, projects (pipelines, jobs, artifact lists), pipelines and workflows. */
import { artifactsOf } from './artifacts';
import { BASE } from './base';
import { ciUnauthorized, jobDetails, jobJson, pipelineJson, workflowJson } from './circleciJson';
import { json, paginate, type Ctx, type Reply } from './http';
import { DEVELOPER, TOKENS, USERS } from './people';
import type { Project } from './project';
import { isRecord, isoMillis } from './util';
import type { World } from './world';

const PROJECT_NOT_FOUND: Reply = { status: 404, body: { message: 'Project not found' } };

/** `gh/greenpeace/planet4-x` or `github/greenpeace/planet4-x` → site */
export function siteOfSlug(world: World, vcs: string, org: string, repo: string): string | undefined {
  if ((vcs !== 'gh' && vcs !== 'github') || org.toLowerCase() !== 'greenpeace' || !repo.startsWith('planet4-')) {
    return undefined;
  }
  const site = repo.slice('planet4-'.length);
  return world.isSite(site) ? site : repo === 'planet4-base' ? BASE : undefined;
}

export const SLUG_ROUTE = /^\/project\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)$/;

export function handleCircleci(world: World, files: readonly string[], ctx: Ctx): Reply {
  const token = ctx.token;
  if (token === undefined || (token !== TOKENS.circleci && token !== TOKENS.circleciNoAccess)) {
    return ciUnauthorized();
  }
  const noAccess = token === TOKENS.circleciNoAccess;
  world.runDue();
  const now = world.options.now();
  if (ctx.path === '/me' && ctx.method === 'GET') {
    return json(200, {
      id: DEVELOPER.circleId,
      login: DEVELOPER.login,
      name: DEVELOPER.name,
      avatar_url: `https://avatars.githubusercontent.com/u/${DEVELOPER.githubId}?v=4`,
    });
  }
  let r: RegExpExecArray | null;
  if ((r = /^\/user\/([^/]+)$/.exec(ctx.path)) && ctx.method === 'GET') {
    // who approved a job (`approved_by`) or canceled one is a user id: this names them
    const user = [...USERS.values()].find((u) => u.circleId === r?.[1]);
    return user
      ? json(200, {
          id: user.circleId,
          login: user.login,
          name: user.name,
          avatar_url: `https://avatars.githubusercontent.com/u/${user.githubId}?v=4`,
        })
      : json(404, { message: 'User not found' });
  }
  if ((r = SLUG_ROUTE.exec(ctx.path))) {
    const [, vcs = '', org = '', repoName = '', rest = ''] = r;
    const site = siteOfSlug(world, vcs, org, repoName);
    const project =
      site === undefined || noAccess ? undefined : site === BASE ? world.baseProject() : world.project(site);
    if (!project) {
      return PROJECT_NOT_FOUND;
    }
    return projectRoute(world, files, ctx, project, rest);
  }
  if ((r = /^\/pipeline\/([^/]+)(\/workflow)?$/.exec(ctx.path)) && ctx.method === 'GET') {
    const p = world.registry.pipelines.get(r[1] ?? '');
    if (!p || noAccess) {
      return json(404, { message: 'Pipeline not found' });
    }
    p.project.sync(now);
    if (r[2] === undefined) {
      return json(200, pipelineJson(p));
    }
    const page = paginate(p.workflows.map(workflowJson), ctx.query['page-token'], `wf:${p.id}`);
    return page ? json(200, page) : json(400, { message: 'Invalid page-token' });
  }
  if ((r = /^\/workflow\/([^/]+)(?:\/(job)|\/approve\/([^/]+)|\/(rerun)|\/(cancel))?$/.exec(ctx.path))) {
    const wf = world.registry.workflows.get(r[1] ?? '');
    if (!wf || noAccess) {
      return json(404, { message: 'Workflow not found' });
    }
    const project = wf.pipeline.project;
    project.sync(now);
    if (r[5] !== undefined) {
      if (ctx.method !== 'POST') {
        return json(404, { message: 'Not found' });
      }
      // not confirmed live: what CircleCI answers for a workflow that has already finished
      return project.cancel(wf, now, DEVELOPER.circleId)
        ? json(202, { message: 'Accepted.' })
        : json(400, { message: 'Workflow is not running' });
    }
    if (r[4] !== undefined && ctx.method === 'POST') {
      if (wf.jobs.some((j) => j.status === 'running')) {
        return json(400, { message: 'Cannot rerun a running workflow' });
      }
      const rerun = project.rerun(wf, now);
      return json(202, { workflow_id: rerun.id });
    }
    if (r[2] === undefined && r[3] === undefined && r[4] === undefined && ctx.method === 'GET') {
      return json(200, workflowJson(wf));
    }
    if (r[2] !== undefined && ctx.method === 'GET') {
      const page = paginate(wf.jobs.map(jobJson), ctx.query['page-token'], `jobs:${wf.id}`);
      return page ? json(200, page) : json(400, { message: 'Invalid page-token' });
    }
    if (r[3] !== undefined && ctx.method === 'POST') {
      const job = wf.jobs.find((j) => j.type === 'approval' && j.id === r?.[3]);
      if (!job) {
        return json(404, { message: 'Approval request not found' });
      }
      if (job.status !== 'on_hold') {
        return json(400, { message: 'Job is not on hold' });
      }
      project.approve(job, now, DEVELOPER.circleId);
      return json(202, { message: 'Accepted.' });
    }
  }
  return json(404, { message: 'Not found' });
}

function projectRoute(world: World, files: readonly string[], ctx: Ctx, project: Project, rest: string): Reply {
  let r: RegExpExecArray | null;
  if (rest === '/pipeline' && ctx.method === 'GET') {
    const branch = ctx.query.branch;
    const list = [...project.pipelines]
      .reverse()
      .filter((p) => branch === undefined || p.vcs.branch === branch)
      .map(pipelineJson);
    const page = paginate(list, ctx.query['page-token'], `pipelines:${project.site}:${branch ?? ''}`);
    return page ? json(200, page) : json(400, { message: 'Invalid page-token' });
  }
  if (rest === '/pipeline' && ctx.method === 'POST') {
    if (ctx.bodyError) {
      return json(400, { message: 'Invalid JSON body.' });
    }
    const body = ctx.body === undefined || ctx.body === null ? {} : ctx.body;
    if (!isRecord(body)) {
      return json(400, { message: 'Invalid JSON body.' });
    }
    const { branch, tag, parameters } = body;
    if (branch !== undefined && typeof branch !== 'string') {
      return json(400, { message: 'branch must be a string' });
    }
    if (tag !== undefined && typeof tag !== 'string') {
      return json(400, { message: 'tag must be a string' });
    }
    if (branch !== undefined && tag !== undefined) {
      return json(400, { message: 'Only one of branch or tag may be specified' });
    }
    const params: Record<string, string | number | boolean> = {};
    if (parameters !== undefined) {
      if (!isRecord(parameters)) {
        return json(400, { message: 'parameters must be an object' });
      }
      for (const [k, v] of Object.entries(parameters)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          return json(400, { message: `Invalid value for pipeline parameter ${k}` });
        }
        if (k !== 'rollback' && k !== 'run_develop') {
          return json(400, { message: `Unexpected argument(s) in pipeline parameters: ${k}` });
        }
        if (typeof v !== 'boolean') {
          return json(400, { message: `Pipeline parameter ${k} must be a boolean` });
        }
        params[k] = v;
      }
    }
    const p = world.trigger(project, {
      parameters: params,
      ...(branch !== undefined ? { branch } : {}),
      ...(tag !== undefined ? { tag } : {}),
    });
    return json(201, { id: p.id, state: p.state, number: p.number, created_at: isoMillis(p.createdAt) });
  }
  if ((r = /^\/pipeline\/(\d+)$/.exec(rest)) && ctx.method === 'GET') {
    const n = Number(r[1]);
    const p = project.pipelines.find((x) => x.number === n);
    return p ? json(200, pipelineJson(p)) : json(404, { message: 'Pipeline not found' });
  }
  if ((r = /^\/job\/(\d+)$/.exec(rest)) && ctx.method === 'GET') {
    const job = project.jobsByNumber.get(Number(r[1]));
    return job ? json(200, jobDetails(ctx, project, job)) : json(404, { message: 'Job not found' });
  }
  if ((r = /^\/(\d+)\/artifacts$/.exec(rest)) && ctx.method === 'GET') {
    const job = project.jobsByNumber.get(Number(r[1]));
    if (!job) {
      return json(404, { message: 'Job not found' });
    }
    const page = paginate(artifactsOf(ctx, files, job), ctx.query['page-token'], `artifacts:${job.id}`, 100);
    return page ? json(200, page) : json(400, { message: 'Invalid page-token' });
  }
  return json(404, { message: 'Not found' });
}

/** The site a request is about, for the log and fault rules. */
export function siteOfCircleciPath(world: World, path: string): string | undefined {
  const slug = SLUG_ROUTE.exec(path);
  if (slug) {
    return siteOfSlug(world, slug[1] ?? '', slug[2] ?? '', slug[3] ?? '');
  }
  const id = /^\/(pipeline|workflow)\/([^/]+)/.exec(path);
  if (id) {
    const owner =
      id[1] === 'pipeline'
        ? world.registry.pipelines.get(id[2] ?? '')?.project
        : world.registry.workflows.get(id[2] ?? '')?.pipeline.project;
    return owner?.site;
  }
  return undefined;
}
