// Helpers shared by the unit tests (not a test file: mocha runs *.test.js only).
import type { CircleCiClient } from '../../src/core/api/circleci/client';

/** The job number of a failed visualtests-compare job of a project (paging back through its tag pipelines). */
export async function findFailedCompareJob(client: CircleCiClient, slug: string): Promise<number> {
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    const p = await client.listPipelinesPage(slug, token);
    for (const pipeline of p.items) {
      if (!pipeline.vcs?.tag) continue;
      for (const wf of await client.listWorkflows(pipeline.id)) {
        const job = (await client.listJobs(wf.id)).find(
          (j) => j.name === 'visualtests-compare' && j.job_number !== undefined && j.status === 'failed',
        );
        if (job?.job_number !== undefined) return job.job_number;
      }
    }
    token = p.next_page_token;
    if (!token) break;
  }
  throw new Error('no failed visualtests-compare job');
}
