/**
 * What approving an approval job of a site's release workflow does (`planet4.approveJob`), in words for its pick and
 * its confirmation: the approval jobs of `docs/PIPELINE.md` (production and rollback workflows), with a warning for
 * those that cannot be undone.
 */
export function approvalMeaning(workflow: string, job: string, tag: string): { action: string; warning?: string } {
  if (workflow === 'rollback') {
    if (job === 'hold-production') return { action: `roll production back to ${tag}` };
    if (job === 'hold-production-db') {
      return {
        action: 'restore the production database from its latest backup',
        warning: 'This overwrites the production database with the newest dump: content created since then is lost.',
      };
    }
  }
  if (job === 'hold-production') return { action: `deploy ${tag} to production` };
  if (job === 'rollback-staging') return { action: 'roll staging back to the previous release' };
  if (job === 'hold-production-db') {
    return {
      action: 'restore the production database from its latest backup',
      warning: 'This overwrites the production database.',
    };
  }
  return { action: `approve ${job}` };
}
