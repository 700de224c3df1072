// What a release manager reads when a mutation fails: "it may have happened, check" when no answer came (outcome
// unknown), the service's refusal otherwise; and the in-flight guard is free again either way. Plain Node.
import * as assert from 'assert';
import { ApiError, errorForStatus } from '../../src/core/api/errors';
import { ActionGuard } from '../../src/core/release/guard';
import {
  explainCircleciMutationFailure,
  explainGitHubMutationFailure,
  explainUnknownOutcome,
  mayHaveHappened,
  OutcomeUnknownError,
  unanswered,
} from '../../src/core/release/failures';

const unknown = (service: 'github' | 'circleci', kind: 'timeout' | 'server' | 'network', status?: number): ApiError =>
  new ApiError(service, kind, 'the client message', status, undefined, undefined, true);

describe('mutation outcomes', () => {
  it('only a failure the client marks outcomeUnknown may have happened', () => {
    assert.strictEqual(mayHaveHappened(unknown('github', 'timeout')), true);
    assert.strictEqual(mayHaveHappened(new ApiError('github', 'timeout', 'a read timed out')), false);
    assert.strictEqual(mayHaveHappened(errorForStatus('github', 422, 'Reference already exists', 'create')), false);
    assert.strictEqual(mayHaveHappened(new Error('not an ApiError')), false);
  });

  it('a tag whose creation got no answer: it may have been created, refresh before trying again', () => {
    const err = explainUnknownOutcome(
      unknown('github', 'timeout'),
      unanswered.tag('greenpeace', 'planet4-africa', 'v1.2.3'),
    );
    assert.ok(err instanceof OutcomeUnknownError);
    assert.strictEqual(
      err.message,
      'GitHub did not answer in time while creating v1.2.3 in greenpeace/planet4-africa: it may have been created. Refresh the site (or look at the tags on GitHub) before trying again.',
    );
  });

  it('says why no answer came: timeout, server error (with its status), broken connection', () => {
    const approval = unanswered.approval('africa', 'hold-production', 'wf-1');
    assert.strictEqual(
      explainUnknownOutcome(unknown('circleci', 'server', 502), approval).message,
      'CircleCI had a server error (502) while approving hold-production of africa (workflow wf-1): it may have been approved. Refresh the site (or open the workflow on CircleCI) before trying again.',
    );
    assert.match(
      explainUnknownOutcome(unknown('github', 'network'), unanswered.holdCommit('greenpeace', 'planet4-brasil', 'hold'))
        .message,
      /^The connection to GitHub broke while adding the commit that holds the next release \(\[HOLD\]\) on main of greenpeace\/planet4-brasil: main may have moved to it\. Refresh the site \(or look at the commits of main on GitHub\) before trying again\.$/,
    );
    assert.match(
      explainUnknownOutcome(
        unknown('github', 'timeout'),
        unanswered.holdCommit('greenpeace', 'planet4-brasil', 'release'),
      ).message,
      /while adding the commit that releases the hold on main of greenpeace\/planet4-brasil: main may have moved to it/,
    );
  });

  it('a definite refusal keeps its own explanation (nothing happened)', () => {
    const exists = explainGitHubMutationFailure(
      errorForStatus('github', 422, 'Reference already exists', 'create a ref'),
      unanswered.tag('greenpeace', 'planet4-africa', 'v1.2.3'),
      'greenpeace',
      'planet4-africa',
      'create the tag v1.2.3',
      'v1.2.3',
    );
    assert.ok(!(exists instanceof OutcomeUnknownError));
    assert.match(exists.message, /^v1\.2\.3 already exists in greenpeace\/planet4-africa: no tag was created/);
    const notOnHold = explainCircleciMutationFailure(
      errorForStatus('circleci', 400, 'Job is not on hold', 'approve'),
      unanswered.approval('africa', 'hold-production', 'wf-1'),
      'gh/greenpeace/planet4-africa',
      'approve hold-production',
    );
    assert.strictEqual(
      notOnHold.message,
      'CircleCI refused to approve hold-production for gh/greenpeace/planet4-africa: Job is not on hold',
    );
    const unclear = explainCircleciMutationFailure(
      unknown('circleci', 'timeout'),
      unanswered.approval('africa', 'hold-production', 'wf-1'),
      'gh/greenpeace/planet4-africa',
      'approve hold-production',
    );
    assert.ok(unclear instanceof OutcomeUnknownError);
    assert.match(unclear.message, /it may have been approved/);
  });

  it('the in-flight guard is free again once a mutation with an unknown outcome settles', async () => {
    const guard = new ActionGuard();
    await assert.rejects(
      guard.run('rollback', 'africa', 'A rollback', () => Promise.reject(unknown('circleci', 'timeout'))),
      ApiError,
    );
    assert.strictEqual(guard.isRunning('rollback', 'africa'), false);
    assert.strictEqual(await guard.run('rollback', 'africa', 'A rollback', () => Promise.resolve(7)), 7);
  });
});
