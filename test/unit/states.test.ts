import * as assert from 'assert';
import type { StageInfo } from '../../src/core/fleet/types';
import { deriveState, needsAttention, PRODUCTION_STAGES } from '../../src/core/pipeline/stages';
import { isLive } from '../../src/core/fleet/poller';

/** Every job status of the CircleCI v2 spec, and every workflow status. */
const JOB_STATUSES = [
  'success',
  'running',
  'not_run',
  'failed',
  'retried',
  'queued',
  'not_running',
  'infrastructure_fail',
  'timedout',
  'on_hold',
  'terminated-unknown',
  'blocked',
  'canceled',
  'unauthorized',
] as const;

const approvals = new Set(['rollback-staging', 'hold-production']);

function production(given: Record<string, string>): StageInfo[] {
  return PRODUCTION_STAGES.map((name) => ({
    name,
    id: `id-${name}`,
    type: approvals.has(name) ? 'approval' : 'build',
    status: given[name] ?? 'success',
    dependencies: [],
  }));
}

interface Row {
  state: string;
  hold?: string;
  attention: boolean;
  fast: boolean;
}

const comparing: Row = { state: 'running', hold: 'comparing', attention: false, fast: true };
const broken: Row = { state: 'waiting', hold: 'compare-broken', attention: true, fast: false };
const canceled: Row = { state: 'waiting', hold: 'compare-canceled', attention: true, fast: false };

/** visualtests-compare in each status while hold-production is on hold (tagged commit without [HOLD]). */
const COMPARE: Record<(typeof JOB_STATUSES)[number], Row> = {
  success: { state: 'waiting', hold: 'auto-approval-failed', attention: true, fast: true },
  running: comparing,
  queued: comparing,
  not_running: comparing,
  blocked: comparing,
  on_hold: comparing, // not possible for a build job; read as not finished
  failed: { state: 'waiting', hold: 'visual-differences', attention: true, fast: true },
  infrastructure_fail: broken,
  timedout: broken,
  'terminated-unknown': broken,
  canceled,
  not_run: canceled,
  retried: canceled, // a newer run of the job exists elsewhere: this run gives no verdict
  unauthorized: { state: 'waiting', hold: 'compare-unauthorized', attention: true, fast: false },
};

function read(workflowStatus: string, stages: StageInfo[]): Row {
  const d = deriveState({ name: 'production', status: workflowStatus }, stages, 'Release');
  const row: Row = {
    state: d.state,
    attention: needsAttention(d.state),
    fast: isLive({ site: 's', slug: 's', state: d.state, hold: d.hold, stages }),
  };
  if (d.hold) row.hold = d.hold;
  return row;
}

describe('every CircleCI state', () => {
  for (const status of JOB_STATUSES) {
    it(`visualtests-compare ${status} with hold-production on hold`, () => {
      const stages = production({
        'visualtests-compare': status,
        'hold-production': 'on_hold',
        'rollback-staging': 'on_hold',
        'finish-staging': 'blocked',
        'deploy-production': 'blocked',
      });
      const workflowStatus = COMPARE[status].state === 'running' ? 'running' : 'on_hold';
      assert.deepStrictEqual(read(workflowStatus, stages), COMPARE[status]);
    });
  }

  const WORKFLOW: Record<string, Row> = {
    success: { state: 'deployed', attention: false, fast: false },
    running: { state: 'running', attention: false, fast: true },
    not_run: { state: 'canceled', attention: false, fast: false },
    failed: { state: 'failed', attention: true, fast: false },
    error: { state: 'failed', attention: true, fast: false },
    failing: { state: 'failed', attention: true, fast: false },
    on_hold: { state: 'waiting', attention: true, fast: true },
    canceled: { state: 'canceled', attention: false, fast: false },
    unauthorized: { state: 'failed', attention: true, fast: false },
  };
  for (const [status, expected] of Object.entries(WORKFLOW)) {
    it(`workflow ${status}`, () => {
      const stages = status === 'success' ? production({}) : production({ 'deploy-production': 'blocked' });
      assert.deepStrictEqual(read(status, stages), expected);
    });
  }
});
