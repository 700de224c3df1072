import * as assert from 'assert';
import { carriesHold, explainHold, HOLD_REASON_TEXT } from '../../src/core/release/hold';
import { approvalMeaning } from '../../src/core/release/approvals';
import { holdMessage, releaseHoldMessage } from '../../src/core/release/tagging';

describe('[HOLD]', () => {
  it('is the literal, case-sensitive text anywhere in the full message', () => {
    assert.ok(carriesHold('[HOLD] release'));
    assert.ok(carriesHold(':robot: [HOLD] Trigger build #5051'));
    assert.ok(carriesHold('Fix header\n\nbody line\n[HOLD] until Monday'));
    assert.ok(!carriesHold('[hold] lower case'));
    assert.ok(!carriesHold('HOLD without brackets'));
    assert.ok(!carriesHold('[ HOLD ]'));
    assert.ok(!carriesHold(undefined));
  });

  it('explains an on-hold hold-production as PIPELINE.md says', () => {
    assert.strictEqual(explainHold('failed', 'anything'), 'visual-differences');
    assert.strictEqual(
      explainHold('failed', '[HOLD] too'),
      'visual-differences',
      'a failed compare is the reason even with [HOLD]',
    );
    assert.strictEqual(explainHold('success', 'Subject\n\n[HOLD]'), 'held');
    assert.strictEqual(explainHold('success', 'Subject only'), 'auto-approval-failed');
    assert.strictEqual(explainHold('running', '[HOLD]'), 'comparing');
    assert.strictEqual(explainHold('queued', undefined), 'comparing');
    assert.strictEqual(explainHold(undefined, undefined), 'comparing');
    assert.strictEqual(HOLD_REASON_TEXT.held, 'held by [HOLD] in the tagged commit');
  });

  it('makes the hold commit message from HEAD subject, and releases it', () => {
    const head = {
      sha: 'a'.repeat(40),
      message: 'Update plugins\n\nbody',
      subject: 'Update plugins',
      treeSha: 't',
      parents: [],
    };
    const m = holdMessage(head);
    assert.ok(m.startsWith('[HOLD] Update plugins\n\n'));
    assert.match(m, /holds the production deploy of the tag made on this commit/i);
    const r = releaseHoldMessage({ ...head, subject: '[HOLD] Update plugins', message: m });
    assert.ok(!carriesHold(r), r);
    assert.match(r, /^Release hold: Update plugins/);
  });

  it('says what each approval does', () => {
    assert.strictEqual(
      approvalMeaning('production', 'hold-production', 'v1.2.3').action,
      'deploy v1.2.3 to production',
    );
    assert.strictEqual(
      approvalMeaning('production', 'rollback-staging', 'v1.2.3').action,
      'roll staging back to the previous release',
    );
    assert.strictEqual(
      approvalMeaning('rollback', 'hold-production', 'v1.2.0').action,
      'roll production back to v1.2.0',
    );
    const db = approvalMeaning('rollback', 'hold-production-db', 'v1.2.0');
    assert.strictEqual(db.action, 'restore the production database from its latest backup');
    assert.ok(db.warning && /overwrites/.test(db.warning));
  });
});
