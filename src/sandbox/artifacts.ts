/** The sandbox's CircleCI artifacts: what a visual-test job lists, and the artifact host that serves the files. */
import { ciUnauthorized } from './circleciJson';
import { BACKSTOP_ABSENT, BACKSTOP_PREFIX, contentTypeOf, readBackstopFile } from './data';
import type { Ctx, Reply } from './http';
import { ARTIFACT_JOBS, type Job } from './pipelines';
import { TOKENS } from './people';
import type { World } from './world';

/** The artifacts of a job (its `GET /project/{slug}/{job}/artifacts` list). */
export function artifactsOf(
  ctx: Ctx,
  files: readonly string[],
  job: Job,
): { path: string; node_index: number; url: string }[] {
  if (!ARTIFACT_JOBS.has(job.name) || (job.status !== 'success' && job.status !== 'failed')) {
    return [];
  }
  const names = [...files, ...BACKSTOP_ABSENT].sort();
  return names.map((rel) => ({
    path: `${BACKSTOP_PREFIX}${rel}`,
    node_index: 0,
    url: `${ctx.root}/output/job/${job.id}/artifacts/0/${BACKSTOP_PREFIX}${rel}`,
  }));
}

/** `/output/job/<job uuid>/artifacts/<node>/<path>` */
export function handleArtifact(world: World, dataDir: string, ctx: Ctx): Reply {
  if (ctx.token === undefined || (ctx.token !== TOKENS.circleci && ctx.token !== TOKENS.circleciNoAccess)) {
    return ciUnauthorized();
  }
  const m = /^\/output\/job\/([^/]+)\/artifacts\/(\d+)\/(.+)$/.exec(ctx.path);
  const notFound: Reply = { status: 404, raw: 'Not Found', contentType: 'text/plain' };
  if (!m || ctx.method !== 'GET' || ctx.token === TOKENS.circleciNoAccess) {
    return notFound;
  }
  const [, jobId = '', node = '', path = ''] = m;
  const job = findJob(world, jobId);
  if (!job || node !== '0' || !path.startsWith(BACKSTOP_PREFIX)) {
    return notFound;
  }
  job.workflow.pipeline.project.sync(world.options.now());
  if (!ARTIFACT_JOBS.has(job.name) || (job.status !== 'success' && job.status !== 'failed')) {
    return notFound;
  }
  const data = readBackstopFile(dataDir, path.slice(BACKSTOP_PREFIX.length));
  return data ? { status: 200, raw: data, contentType: contentTypeOf(path) } : notFound;
}

function findJob(world: World, jobId: string): Job | undefined {
  for (const wf of world.registry.workflows.values()) {
    if (wf.name !== 'production') {
      continue;
    }
    for (const job of wf.jobs) {
      if (job.id === jobId) {
        return job;
      }
    }
  }
  return undefined;
}

export function siteOfArtifactPath(world: World, path: string): string | undefined {
  const m = /^\/output\/job\/([^/]+)\//.exec(path);
  return m ? findJob(world, m[1] ?? '')?.workflow.pipeline.project.site : undefined;
}
