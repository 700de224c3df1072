import type { CircleCiClient } from '../api/circleci/client';
import { projectSlug } from '../api/circleci/types';
import { pages } from '../api/pages';
import { releaseWorkflow } from '../pipeline/stages';
import { isReleaseTag } from './version';

/** A release pipeline of a site: which tag it built, and when. */
export interface ReleaseHistoryEntry {
  tag: string;
  pipelineNumber: number;
  createdAt: string;
}

/**
 * Pages back through a project's pipelines (bounded) and finds the tag in production now: the tag of the latest
 * release pipeline whose deploy-production (or rollback-production) succeeded. Also returns when each tag was built,
 * and the newest pipeline number read (0 when the project has none).
 */
export async function findProductionTag(
  circleci: CircleCiClient,
  org: string,
  site: string,
  maxPages = 5,
): Promise<{ production?: string; history: ReleaseHistoryEntry[]; newestPipelineNumber: number }> {
  const slug = projectSlug(org, site);
  const history: ReleaseHistoryEntry[] = [];
  let newestPipelineNumber = 0;
  let production: string | undefined;
  let checked = 0;
  for await (const list of pages(
    (token) => circleci.listPipelinesPage(slug, token),
    (list) => list.next_page_token || undefined, // null on the last page, whatever the spec says
    { maxPages, what: `the pipelines of ${slug} (looking for the release in production)` },
  )) {
    for (const p of list.items) {
      newestPipelineNumber = Math.max(newestPipelineNumber, p.number);
      const tag = p.vcs?.tag;
      if (!isReleaseTag(tag)) continue;
      history.push({ tag, pipelineNumber: p.number, createdAt: p.created_at });
      if (production !== undefined || checked >= 10) continue;
      checked++;
      const wf = releaseWorkflow(await circleci.listWorkflows(p.id));
      if (!wf) continue;
      const jobs = await circleci.listJobs(wf.id);
      const deployed = jobs.some(
        (j) => (j.name === 'deploy-production' || j.name === 'rollback-production') && j.status === 'success',
      );
      if (deployed) production = tag;
    }
    if (production !== undefined) break;
  }
  return { ...(production ? { production } : {}), history, newestPipelineNumber };
}
