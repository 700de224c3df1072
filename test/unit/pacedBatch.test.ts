import * as assert from 'node:assert/strict';
import { runPaced } from '../../src/core/release/pacedBatch';

/** A fake clock: waits advance it at once; a cancel can be scheduled at a moment. */
function harness(cancelAt?: number) {
  let now = 0;
  let cancelled = false;
  const events: string[] = [];
  return {
    events,
    pacing: {
      spacingMs: 30_000,
      send: (site: string): Promise<string> => {
        events.push(`send ${site} @${String(now)}`);
        if (site === 'bad') return Promise.reject(new Error('refused'));
        return Promise.resolve(`${site} ok`);
      },
      wait: (ms: number): Promise<boolean> => {
        events.push(`wait ${String(ms)}`);
        if (cancelAt !== undefined && now + ms > cancelAt) {
          now = cancelAt;
          cancelled = true;
          return Promise.resolve(false);
        }
        now += ms;
        return Promise.resolve(true);
      },
      cancelled: () => cancelled,
    },
  };
}

describe('paced batch (the loop behind a batch of release tags)', () => {
  it('sends one site, waits the spacing, sends the next; no wait after the last', async () => {
    const h = harness();
    const out = await runPaced(['a', 'b', 'c'], h.pacing);
    assert.deepEqual(h.events, ['send a @0', 'wait 30000', 'send b @30000', 'wait 30000', 'send c @60000']);
    assert.deepEqual(
      out.map((o) => o.kind),
      ['done', 'done', 'done'],
    );
  });

  it('a failed site is its outcome; the others are still sent', async () => {
    const h = harness();
    const out = await runPaced(['a', 'bad', 'c'], h.pacing);
    assert.deepEqual(
      out.map((o) => `${o.item}:${o.kind}`),
      ['a:done', 'bad:failed', 'c:done'],
    );
    assert.equal(h.events.filter((e) => e.startsWith('send')).length, 3, 'each site sent once');
  });

  it('a cancel during the wait stops before the next site; the rest are cancelled, never sent', async () => {
    const h = harness(40_000);
    const out = await runPaced(['a', 'b', 'c', 'd'], h.pacing);
    assert.deepEqual(
      out.map((o) => `${o.item}:${o.kind}`),
      ['a:done', 'b:done', 'c:cancelled', 'd:cancelled'],
    );
    assert.deepEqual(h.events, ['send a @0', 'wait 30000', 'send b @30000', 'wait 30000']);
  });

  it('a cancel while a site is being sent lets it finish, and stops before the next', async () => {
    let cancelled = false;
    const sent: string[] = [];
    const out = await runPaced(['a', 'b', 'c'], {
      spacingMs: 0,
      send: async (s: string) => {
        sent.push(s);
        cancelled = true; // the user pressed Cancel while this site's requests were on their way
        await Promise.resolve();
        return s;
      },
      wait: () => Promise.resolve(true),
      cancelled: () => cancelled,
    });
    assert.deepEqual(sent, ['a']);
    assert.deepEqual(
      out.map((o) => `${o.item}:${o.kind}`),
      ['a:done', 'b:cancelled', 'c:cancelled'],
    );
  });

  it('spacing 0 sends back to back without waiting', async () => {
    const h = harness();
    h.pacing.spacingMs = 0;
    await runPaced(['a', 'b'], h.pacing);
    assert.deepEqual(h.events, ['send a @0', 'send b @0']);
  });
});
