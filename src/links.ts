/** Web addresses of CircleCI and GitHub pages. */
export function circleciProjectUrl(org: string, site: string): string {
  return `https://app.circleci.com/pipelines/github/${org}/planet4-${site}`;
}
export function circleciPipelineUrl(org: string, site: string, pipelineNumber: number): string {
  return `${circleciProjectUrl(org, site)}/${pipelineNumber}`;
}
export function circleciWorkflowUrl(org: string, site: string, pipelineNumber: number, workflowId: string): string {
  return `${circleciPipelineUrl(org, site, pipelineNumber)}/workflows/${workflowId}`;
}
export function circleciJobUrl(
  org: string,
  site: string,
  pipelineNumber: number,
  workflowId: string,
  jobNumber: number,
): string {
  return `${circleciWorkflowUrl(org, site, pipelineNumber, workflowId)}/jobs/${jobNumber}`;
}
export function githubTagUrl(org: string, site: string, tag: string): string {
  return `https://github.com/${org}/planet4-${site}/releases/tag/${encodeURIComponent(tag)}`;
}
export function githubCommitUrl(org: string, site: string, sha: string): string {
  return `https://github.com/${org}/planet4-${site}/commit/${sha}`;
}
