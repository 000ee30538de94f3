import { canonicalJson } from './canonical-json';
import {
  attemptBatchFacts,
  attemptFact,
  AttemptFactRow,
  BATCHED_ATTEMPTS,
  ENQUEUED_ACTION,
  enqueueBatchFacts,
  enqueuedActionTail,
  EnqueueFactRow,
} from './audit-fact';

describe('an ENQUEUE_BATCH entry written around the id and time (as PostgreSQL writes it in the insert)', () => {
  const actions: EnqueueFactRow[] = [
    {
      id: 7,
      idempotencyKey: 'k-"quoted"\\',
      type: 'POST_SOCIAL',
      priority: -3,
      enqueuedBy: null,
      payload: { z: 1, a: ['é', { y: null, b: true }] },
      createdAt: new Date('2026-12-07T00:10:00.123Z'),
    },
    {
      id: 12345678901,
      idempotencyKey: 'k2',
      type: 'WEBHOOK',
      priority: 1000,
      enqueuedBy: 'ops \u2028 "x"',
      payload: {},
      createdAt: new Date('1999-01-02T03:04:05.009Z'),
    },
  ];

  it('is the text enqueueBatchFacts makes, byte for byte', () => {
    const pieced =
      ENQUEUED_ACTION.batchStart +
      actions
        .map(
          (action) =>
            `${ENQUEUED_ACTION.id}${action.id}${ENQUEUED_ACTION.createdAt}${action.createdAt.toISOString()}"${enqueuedActionTail(action)}`,
        )
        .join(',') +
      ENQUEUED_ACTION.batchEnd;
    expect(pieced).toBe(canonicalJson(enqueueBatchFacts(actions)[0].content));
  });

  it('keeps everything but the id and time in the tail', () => {
    const tail = enqueuedActionTail(actions[1]);
    expect(tail).toMatch(
      /^,"enqueuedBy":"ops .* \\"x\\"","idempotencyKey":"k2","payloadSha256":"[0-9a-f]{64}","priority":1000,"type":"WEBHOOK"}$/s,
    );
  });
});

describe('ATTEMPT_BATCH entries of one recording', () => {
  const logs: AttemptFactRow[] = Array.from({ length: 201 }, (_, index) => ({
    id: 1000 - index,
    actionId: index + 1,
    tickId: 3,
    attempt: 1,
    mode: 'PROOF',
    outcome: 'SUCCESS',
    startedAt: new Date('2026-12-07T00:10:00.123Z'),
    durationMs: 1,
  }));

  it('name up to 100 attempts each, in the order of their log ids, joined as PostgreSQL joins them', () => {
    const facts = attemptBatchFacts(logs);
    const named = facts.map((fact) => (fact.content.attempts as Array<{ logId: number }>).map((attempt) => attempt.logId));
    expect(named.map((ids) => ids.length)).toEqual([100, 100, 1]);
    expect(named.flat()).toEqual(logs.map((log) => log.id).sort((a, b) => a - b));
    const first = [...logs].sort((a, b) => a.id - b.id).slice(0, 100);
    const pieced =
      BATCHED_ATTEMPTS.batchStart + first.map((log) => canonicalJson(attemptFact(log).content)).join(',') + BATCHED_ATTEMPTS.batchEnd;
    expect(canonicalJson(facts[0].content)).toBe(pieced);
  });

  it('name the log row and its action only when the entry holds one attempt', () => {
    const facts = attemptBatchFacts(logs);
    expect(facts.map((fact) => [fact.kind, fact.subjectId, fact.actionId])).toEqual([
      ['ATTEMPT_BATCH', null, null],
      ['ATTEMPT_BATCH', null, null],
      ['ATTEMPT_BATCH', 1000, 1],
    ]);
  });
});
