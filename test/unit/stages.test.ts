import * as assert from 'assert';
import type { StageInfo } from '../../src/core/fleet/types';
import {
  attentionRank,
  deriveState,
  orderStages,
  PRODUCTION_STAGES,
  ROLLBACK_STAGES,
  releaseWorkflow,
} from '../../src/core/pipeline/stages';
import type { Job, Pipeline, Workflow } from '../../src/core/api/circleci/types';
import { ApiError } from '../../src/core/api/errors';
import {
  failedSnapshot,
  isReleasePipeline,
  releaseWorkflowInfo,
  settingUp,
  siteSnapshot,
  toPipelineInfo,
  toStages,
} from '../../src/core/fleet/snapshot';

const deps: Record<string, string[]> = {
  'visualtests-reference': [],
  build: [],
  'deploy-staging': ['visualtests-reference', 'build'],
  'visualtests-compare': ['deploy-staging'],
  'rollback-staging': ['deploy-staging'],
  'hold-production': ['deploy-staging'],
  'finish-staging': ['rollback-staging'],
  'deploy-production': ['hold-production'],
};
const approvals = new Set(['rollback-staging', 'hold-production', 'hold-production-db']);

function stages(given: Record<string, string>, kind: 'production' | 'rollback' = 'production'): StageInfo[] {
  // while hold-production waits, rollback-staging waits too unless a person rolled staging back (then the release
  // is rejected: see rejection.test.ts), and finish-staging is blocked behind it
  const waiting = kind === 'production' && given['hold-production'] === 'on_hold';
  const status = waiting ? { 'rollback-staging': 'on_hold', 'finish-staging': 'blocked', ...given } : given;
  const names = kind === 'production' ? [...PRODUCTION_STAGES] : [...ROLLBACK_STAGES];
  return names.map((name) => ({
    name,
    id: `id-${name}`,
    type:
      kind === 'production'
        ? approvals.has(name)
          ? 'approval'
          : 'build'
        : name.startsWith('hold')
          ? 'approval'
          : 'build',
    status: status[name] ?? 'success',
    dependencies: (deps[name] ?? []).map((d) => `id-${d}`),
  }));
}

describe('stages', () => {
  it('orders production and rollback jobs as documented, whatever the API order', () => {
    const shuffled = stages({}).reverse();
    assert.deepStrictEqual(
      orderStages('production', shuffled).map((s) => s.name),
      [...PRODUCTION_STAGES],
    );
    const rb = stages({}, 'rollback').sort((a, b) => a.name.localeCompare(b.name));
    assert.deepStrictEqual(
      orderStages('rollback', rb).map((s) => s.name),
      [...ROLLBACK_STAGES],
    );
  });

  it('places an unknown job after what it depends on', () => {
    const extra: StageInfo = {
      name: 'aaa-smoke',
      id: 'id-smoke',
      type: 'build',
      status: 'success',
      dependencies: ['id-deploy-production'],
    };
    const ordered = orderStages('production', [extra, ...stages({})]).map((s) => s.name);
    assert.strictEqual(ordered.at(-1), 'aaa-smoke');
  });

  it('picks the newest production or rollback workflow of a pipeline', () => {
    const wf = (name: string, created: string): Workflow =>
      ({
        id: `${name}-${created}`,
        name,
        created_at: created,
        status: 'success',
        pipeline_id: 'p',
        pipeline_number: 1,
        project_slug: 's',
        started_by: 'u',
        stopped_at: null,
      }) as unknown as Workflow;
    assert.strictEqual(
      releaseWorkflow([
        wf('production', '2026-01-01T00:00:00Z'),
        wf('production', '2026-01-02T00:00:00Z'),
        wf('backup', '2026-01-03T00:00:00Z'),
      ])?.id,
      'production-2026-01-02T00:00:00Z',
    );
    assert.strictEqual(releaseWorkflow([wf('develop', '2026-01-01T00:00:00Z')]), undefined);
    assert.strictEqual(releaseWorkflow([]), undefined);
  });

  it('derives the site state and the hold reason', () => {
    assert.deepStrictEqual(deriveState({ name: 'production', status: 'success' }, stages({}), ''), {
      state: 'deployed',
    });
    assert.deepStrictEqual(
      deriveState(
        { name: 'production', status: 'on_hold' },
        stages({
          'visualtests-compare': 'failed',
          'hold-production': 'on_hold',
          'deploy-production': 'blocked',
          'rollback-staging': 'on_hold',
          'finish-staging': 'blocked',
        }),
        '',
      ),
      { state: 'waiting', hold: 'visual-differences' },
    );
    assert.deepStrictEqual(
      deriveState(
        { name: 'production', status: 'on_hold' },
        stages({ 'hold-production': 'on_hold', 'deploy-production': 'blocked' }),
        'Release\n\n[HOLD]',
      ),
      { state: 'waiting', hold: 'held' },
    );
    assert.deepStrictEqual(
      deriveState(
        { name: 'production', status: 'on_hold' },
        stages({ 'hold-production': 'on_hold', 'deploy-production': 'blocked' }),
        'Release',
      ),
      { state: 'waiting', hold: 'auto-approval-failed' },
    );
    assert.deepStrictEqual(
      deriveState(
        { name: 'production', status: 'running' },
        stages({ 'visualtests-compare': 'running', 'hold-production': 'on_hold', 'deploy-production': 'blocked' }),
        '',
      ),
      { state: 'running', hold: 'comparing' },
    );
    assert.strictEqual(
      deriveState({ name: 'production', status: 'failed' }, stages({ 'deploy-production': 'failed' }), '').state,
      'failed',
    );
    assert.strictEqual(
      deriveState(
        { name: 'production', status: 'failing' },
        stages({
          'visualtests-compare': 'failed',
          'deploy-production': 'running',
          'rollback-staging': 'on_hold',
          'finish-staging': 'blocked',
        }),
        '',
      ).state,
      'running',
      'approved after visual differences: deploying',
    );
    assert.strictEqual(
      deriveState(
        { name: 'production', status: 'failing' },
        stages({ 'visualtests-compare': 'failed', 'hold-production': 'success', 'deploy-production': 'blocked' }),
        '',
      ).state,
      'failed',
    );
    assert.strictEqual(
      deriveState(
        { name: 'production', status: 'running' },
        stages({
          build: 'running',
          'deploy-staging': 'blocked',
          'hold-production': 'blocked',
          'deploy-production': 'blocked',
        }),
        '',
      ).state,
      'running',
    );
    assert.strictEqual(
      deriveState(
        { name: 'production', status: 'canceled' },
        stages({ build: 'canceled', 'deploy-production': 'blocked' }),
        '',
      ).state,
      'canceled',
    );
    assert.strictEqual(
      deriveState(
        { name: 'rollback', status: 'on_hold' },
        stages(
          {
            'hold-production': 'on_hold',
            'hold-production-db': 'on_hold',
            'rollback-production': 'blocked',
            'rollback-production-db': 'blocked',
          },
          'rollback',
        ),
        '',
      ).state,
      'waiting',
    );
    assert.strictEqual(
      deriveState(
        { name: 'rollback', status: 'on_hold' },
        stages({ 'hold-production-db': 'on_hold', 'rollback-production-db': 'blocked' }, 'rollback'),
        '',
      ).state,
      'rolled-back',
    );
  });

  it('ranks sites needing a person first, then running, then the rest', () => {
    const order = (['deployed', 'running', 'failed', 'waiting', 'rolled-back'] as const)
      .slice()
      .sort((a, b) => attentionRank(a) - attentionRank(b));
    assert.deepStrictEqual(order.slice(0, 2).sort(), ['failed', 'waiting']);
    assert.strictEqual(order[2], 'running');
  });
});

describe('snapshot: CircleCI answers to a site snapshot (pure)', () => {
  const pipeline = (tag: string | undefined, subject = 'Release'): Pipeline =>
    ({
      id: `p-${tag ?? 'none'}`,
      number: 42,
      created_at: '2026-01-01T00:00:00Z',
      vcs: { ...(tag ? { tag } : { branch: 'main' }), revision: 'abc1234', commit: { subject, body: '' } },
      trigger: { actor: { login: 'release-bot' } },
    }) as unknown as Pipeline;
  const job = (name: string, status: string, dependencies: string[] = []): Job =>
    ({
      name,
      id: `id-${name}`,
      type: approvals.has(name) ? 'approval' : 'build',
      status,
      dependencies: dependencies.map((d) => `id-${d}`),
      job_number: name.length,
    }) as unknown as Job;
  const productionJobs = (status: Record<string, string>): Job[] =>
    [...PRODUCTION_STAGES].reverse().map((name) => job(name, status[name] ?? 'success', deps[name]));

  it('maps a release pipeline, its workflow and its jobs to the site state, ordered', () => {
    assert.strictEqual(isReleasePipeline(pipeline('v1.2.3')), true);
    assert.strictEqual(isReleasePipeline(pipeline(undefined)), false);
    const info = toPipelineInfo(pipeline('v1.2.3'));
    assert.deepStrictEqual(info, {
      id: 'p-v1.2.3',
      number: 42,
      tag: 'v1.2.3',
      createdAt: '2026-01-01T00:00:00Z',
      revision: 'abc1234',
      commitSubject: 'Release',
      triggeredBy: 'release-bot',
    });
    const workflow = releaseWorkflowInfo([
      { id: 'w1', name: 'production', status: 'on_hold', created_at: '2026-01-01T00:01:00Z' } as unknown as Workflow,
    ]);
    assert.deepStrictEqual(workflow, {
      id: 'w1',
      name: 'production',
      kind: 'production',
      status: 'on_hold',
      createdAt: '2026-01-01T00:01:00Z',
    });
    const stages = toStages(
      'production',
      productionJobs({
        'rollback-staging': 'on_hold',
        'finish-staging': 'blocked',
        'hold-production': 'on_hold',
        'deploy-production': 'blocked',
      }),
    );
    assert.deepStrictEqual(
      stages.map((s) => s.name),
      [...PRODUCTION_STAGES],
    );
    const snap = siteSnapshot('africa', 'gh/greenpeace/planet4-africa', 5, { pipeline: info, workflow, stages });
    assert.strictEqual(snap.state, 'waiting');
    assert.strictEqual(snap.hold, 'auto-approval-failed');
    assert.strictEqual(snap.updatedAt, 5);
    const held = toPipelineInfo(pipeline('v1.2.4', '[HOLD] Release'));
    assert.strictEqual(siteSnapshot('africa', 'slug', 5, { pipeline: held, workflow, stages }).hold, 'held');
  });

  it('says when there is no release pipeline or no release workflow', () => {
    assert.strictEqual(siteSnapshot('africa', 'slug', 1, {}).state, 'no-release');
    const info = toPipelineInfo(pipeline('v1.2.3'));
    const created = Date.parse(info.createdAt);
    // within the setup grace CircleCI may still be setting the workflows up; after it, there are none
    assert.ok(settingUp(info, created + 60_000, created));
    assert.ok(!settingUp(info, created + 11 * 60_000, created), 'created 11 minutes ago');
    assert.ok(settingUp({ ...info, state: 'setup' }, created + 11 * 24 * 3600_000, created + 11 * 24 * 3600_000));
    assert.ok(!settingUp({ ...info, state: 'setup' }, created + 11 * 60_000, created), 'seen 11 minutes ago');
    assert.ok(!settingUp({ ...info, state: 'errored' }, created, created));
    assert.strictEqual(siteSnapshot('africa', 'slug', 1, { pipeline: info, settingUp: true }).state, 'setting-up');
    const snap = siteSnapshot('africa', 'slug', 1, { pipeline: info });
    assert.strictEqual(snap.state, 'no-workflows');
    assert.strictEqual(snap.pipeline, info);
    const errored = { ...info, state: 'errored', errors: ['Config does not conform to schema'] };
    assert.strictEqual(siteSnapshot('africa', 'slug', created, { pipeline: errored }).state, 'pipeline-error');
    assert.strictEqual(releaseWorkflowInfo([]), undefined);
  });

  it('turns a failed load into no-project or an error that keeps the last known stages', () => {
    const notFound = new ApiError('circleci', 'notFound', 'Project not found.', 404);
    assert.strictEqual(failedSnapshot('africa', 'slug', notFound).state, 'no-project');
    const previous = siteSnapshot('africa', 'slug', 1, {
      pipeline: toPipelineInfo(pipeline('v1.2.3')),
      workflow: { id: 'w', name: 'production', kind: 'production', status: 'success', createdAt: '' },
      stages: stages({}),
    });
    const failed = failedSnapshot(
      'africa',
      'slug',
      new ApiError('circleci', 'server', 'CircleCI answered 500.'),
      previous,
    );
    assert.strictEqual(failed.state, 'error');
    assert.strictEqual(failed.pipeline?.tag, 'v1.2.3');
    assert.strictEqual(failed.stages.length, PRODUCTION_STAGES.length);
    assert.deepStrictEqual(failed.error, { kind: 'server', message: 'CircleCI answered 500.', service: 'CircleCI' });
    assert.deepStrictEqual(failedSnapshot('africa', 'slug', new Error('boom')).error, {
      kind: 'unknown',
      message: 'boom',
    });
  });
});
