// The one lifecycle of the release commands (src/core/release/lifecycle.ts), with fake services: what is asked and
// sent, in which order, and what is logged, watched and refreshed — for a confirmed, a declined, a refused and a
// failed action. Plain Node.
import * as assert from 'assert';
import type { CircleCiClient } from '../../src/core/api/circleci/client';
import type { GitHubClient } from '../../src/core/api/github/client';
import { OutcomeUnknownError } from '../../src/core/release/failures';
import { ActionGuard } from '../../src/core/release/guard';
import {
  runReleaseAction,
  sendMutation,
  type ActionContext,
  type Mutation,
  type ReleaseAction,
} from '../../src/core/release/lifecycle';

const github = { name: 'github' } as unknown as GitHubClient;
const circleci = { name: 'circleci' } as unknown as CircleCiClient;

/** A context that records every step, answering the confirmation with `choice` (undefined: dismissed). */
function recorder(answer: { choice?: string } = { choice: 'Go' }): { context: ActionContext; steps: string[] } {
  const steps: string[] = [];
  const context: ActionContext = {
    guard: new ActionGuard(),
    log: { info: (m) => steps.push(`info ${m}`), error: (m) => steps.push(`error ${m}`) },
    fleet: {
      invalidate: (site, what) => steps.push(`invalidate ${site} ${what ?? 'all'}`),
      refresh: (options) => {
        steps.push(`refresh ${options?.sites?.join(',') ?? 'all'} github=${String(options?.github)}`);
        return Promise.resolve();
      },
    },
    poller: {
      watch: (site, done) =>
        steps.push(`watch ${site} ${String(done({ site, slug: '', state: 'running', stages: [] }))}`),
    },
    github: () => Promise.resolve(github),
    circleci: () => circleci,
    confirm: (q) => {
      steps.push(`confirm ${q.message} [${q.actions.join('|')}]`);
      return Promise.resolve(answer.choice);
    },
    progress: (title, task) => {
      steps.push(`progress ${title}`);
      return task();
    },
    announce: (m) => steps.push(`announce ${m}`),
  };
  return { context, steps };
}

/** A tag-like action on `africa` whose send is `send`. */
function action(
  steps: string[],
  send: (client: GitHubClient) => Promise<string> = () => Promise.resolve('abc1234'),
  overrides: Partial<ReleaseAction<{ tag: string }, string, { sha: string }>> = {},
): ReleaseAction<{ tag: string }, string, { sha: string }> {
  return {
    guard: { action: 'createReleaseTag', inFlight: 'Creating a release tag' },
    read: () => {
      steps.push('read');
      return Promise.resolve({ tag: 'v1.2.3' });
    },
    confirm: ({ tag }) => ({ message: `Tag africa ${tag}?`, detail: 'on main', actions: ['Go'] }),
    mutation: ({ tag }, choice) => ({
      service: 'github',
      what: `planet4-africa: tag ${tag}`,
      progress: `Tagging africa ${tag}…`,
      send: (client) => {
        steps.push(`send ${tag} ${choice} with ${(client as unknown as { name: string }).name}`);
        return send(client);
      },
      logged: (sha) => `planet4-africa: tag ${tag} on ${sha} → ok`,
      changes: 'all',
      watchUntil: () => (s) => s.state === 'running',
    }),
    result: (sha) => ({ sha }),
    announce: ({ sha }, { tag }) => `africa: tagged ${tag} on ${sha}`,
    ...overrides,
  };
}

describe('release action lifecycle', () => {
  it('reads, confirms, sends once, logs, reads the site again and watches it, then announces the result', async () => {
    const { context, steps } = recorder();
    const result = await runReleaseAction(context, 'africa', action(steps));
    assert.deepStrictEqual(result, { sha: 'abc1234' });
    assert.deepStrictEqual(steps, [
      'read',
      'confirm Tag africa v1.2.3? [Go]',
      'progress Tagging africa v1.2.3…',
      'send v1.2.3 Go with github',
      'info [mutation] planet4-africa: tag v1.2.3 on abc1234 → ok',
      'invalidate africa all',
      'watch africa true',
      'refresh africa github=true',
      'announce africa: tagged v1.2.3 on abc1234',
    ]);
  });

  it('a declined confirmation, a cancelled read or an earlier attempt sends nothing', async () => {
    const declined = recorder({});
    assert.strictEqual(await runReleaseAction(declined.context, 'africa', action(declined.steps)), undefined);
    assert.deepStrictEqual(declined.steps, ['read', 'confirm Tag africa v1.2.3? [Go]']);

    const cancelled = recorder();
    const read = (): Promise<undefined> => Promise.resolve(undefined);
    assert.strictEqual(
      await runReleaseAction(cancelled.context, 'africa', action(cancelled.steps, undefined, { read })),
      undefined,
    );
    assert.deepStrictEqual(cancelled.steps, []);

    const earlier = recorder();
    const alreadyDone = (): Promise<{ sha: string }> => Promise.resolve({ sha: 'def5678' });
    assert.deepStrictEqual(
      await runReleaseAction(earlier.context, 'africa', action(earlier.steps, undefined, { alreadyDone })),
      { sha: 'def5678' },
    );
    assert.deepStrictEqual(earlier.steps, ['read']);
  });

  it('a second run of the same action on the same site is refused while the first is in flight', async () => {
    const { context, steps } = recorder();
    let answer: (sha: string) => void = () => undefined;
    const first = runReleaseAction(
      context,
      'africa',
      action(steps, () => new Promise((resolve) => (answer = resolve))),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(
      runReleaseAction(context, 'africa', action(steps)),
      /Creating a release tag is already in progress for africa: wait for it to finish\./,
    );
    answer('abc1234');
    assert.deepStrictEqual(await first, { sha: 'abc1234' });
    assert.strictEqual(steps.filter((s) => s.startsWith('send')).length, 1);
    assert.deepStrictEqual(await runReleaseAction(context, 'africa', action([])), { sha: 'abc1234' });
  });

  it('a failed send is explained, logged and thrown: nothing watched nor announced; unknown outcomes re-read the site', async () => {
    const refused = recorder();
    const refusal = action(refused.steps, () => Promise.reject(new Error('GitHub said no')));
    await assert.rejects(runReleaseAction(refused.context, 'africa', refusal), /GitHub said no/);
    assert.deepStrictEqual(refused.steps.slice(4), [
      'error [mutation] planet4-africa: tag v1.2.3 → failed: GitHub said no',
    ]);

    const unanswered = recorder();
    const lost = action(unanswered.steps, () => Promise.reject(new Error('timeout')), {
      mutation: (state, choice) => ({
        ...action(unanswered.steps).mutation(state, choice),
        send: () => Promise.reject(new Error('timeout')),
        explain: (e) => new OutcomeUnknownError(`no answer (${(e as Error).message}): it may have been created`),
      }),
    });
    await assert.rejects(runReleaseAction(unanswered.context, 'africa', lost), OutcomeUnknownError);
    assert.deepStrictEqual(unanswered.steps.slice(3), [
      'error [mutation] planet4-africa: tag v1.2.3 → outcome unknown: no answer (timeout): it may have been created',
      'invalidate africa all',
      'refresh africa github=true',
    ]);
  });

  it('a batch sends each site through the same steps, without a progress of its own; CircleCI changes re-read the pipeline', async () => {
    const { context, steps } = recorder();
    const approval: Mutation<void> = {
      service: 'circleci',
      what: 'gh/greenpeace/planet4-africa: approve hold-production',
      send: (client) => {
        steps.push(`send with ${(client as unknown as { name: string }).name}`);
        return Promise.resolve();
      },
      logged: () => 'approved hold-production → ok',
      changes: 'pipeline',
      watchUntil: () => () => false,
    };
    await sendMutation(context, 'africa', approval);
    assert.deepStrictEqual(steps, [
      'send with circleci',
      'info [mutation] approved hold-production → ok',
      'invalidate africa pipeline',
      'watch africa false',
      'refresh africa github=false',
    ]);
  });
});
