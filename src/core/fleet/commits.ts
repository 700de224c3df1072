import type { GitHubClient } from '../api/github/client';
import type { Logger } from '../util/logger';
import type { PipelineInfo } from './types';

/**
 * The tagged commit's message when CircleCI does not give it: a pipeline triggered through the API has no
 * `vcs.commit`, only the revision. Read from GitHub (git commit), once per sha: a commit never changes. Without it a
 * real `[HOLD]` would read as "automatic approval failed".
 */
export class CommitMessages {
  private readonly bySha = new Map<string, string>();

  constructor(
    private readonly github: () => Promise<GitHubClient>,
    private readonly organization: () => string,
    private readonly log: Logger,
  ) {}

  /** The commit's full message, or undefined when GitHub cannot say (not remembered: asked again next time). */
  async message(site: string, sha: string): Promise<string | undefined> {
    const known = this.bySha.get(sha);
    if (known !== undefined) return known;
    try {
      const commit = await (await this.github()).commit(this.organization(), `planet4-${site}`, sha);
      this.bySha.set(sha, commit.message);
      return commit.message;
    } catch (e) {
      this.log.warn(
        `${site}: the message of ${sha.slice(0, 7)} is unknown: ${e instanceof Error ? e.message : String(e)}`,
      );
      return undefined;
    }
  }
}

/** Whether CircleCI left out the pipeline's commit (subject and body), though it names the revision. */
export function lacksCommit(p: PipelineInfo): boolean {
  return p.revision !== '' && p.commitSubject === undefined && p.commitBody === undefined;
}

/** The pipeline with its commit's subject (first line) and body (after the first blank line) from `message`. */
export function withCommit(p: PipelineInfo, message: string): PipelineInfo {
  const [subject = '', ...rest] = message.split('\n');
  const body = rest.join('\n').trim();
  return { ...p, commitSubject: subject, ...(body ? { commitBody: body } : {}) };
}
