import { AuditKind, enqueueBatchFacts, enqueuedAction, enqueueRowOf, entrySha256, sha256Hex } from '../src/audit/audit-fact';
import { AuditService } from '../src/audit/audit.service';
import { canonicalJson } from '../src/audit/canonical-json';
import { SqlDatabase } from '../src/database/sql-database';
import { ENQUEUE_ACTIONS, enqueuePost } from './support/actions';
import { useTestApp } from './support/test-app';
import { DRIVERS } from './support/test-database';

/**
 * The enqueue's entries: one per insert, naming each action it added, and verification of every
 * action in them (and of the one-entry-per-action ENQUEUE entries older chains hold).
 */
describe.each(DRIVERS)('enqueue entries of the audit chain on %s', (driver) => {
  const aol = useTestApp(driver);
  const verify = () => aol.app.get(AuditService).verify();

  interface EntryRow {
    id: unknown;
    kind: string;
    action_id: unknown;
    subject_id: unknown;
    content: string;
  }
  const lastEntry = async () => (await aol.sql<EntryRow>('select * from aol_audit_chain order by id desc limit 1'))[0];

  /** The ENQUEUE_BATCH entry that names action `actionId`. */
  const entryNaming = async (actionId: unknown) =>
    Number(
      (
        await aol.sql<{ id: unknown }>(`select id from aol_audit_chain where kind = 'ENQUEUE_BATCH' and content like ?`, [
          `%"actionId":${Number(actionId)},%`,
        ])
      )[0].id,
    );

  /** An action inserted by SQL alone, around the service and its chain (a copy of 'alone', cancelled). */
  const insertAround = async (key: string) =>
    (
      await aol.sql<Record<string, unknown>>(
        `insert into aol_actions (idempotency_key, type, payload, priority, run_after, status, attempts, attempt_floor, rescues, created_at, updated_at)
         select ?, type, payload, priority, run_after, 'CANCELLED', 0, 0, 0, created_at, updated_at from aol_actions where idempotency_key = 'alone'
         returning *`,
        [key],
      )
    )[0];

  async function expectBrokenAt(entryId: number): Promise<string> {
    const result = await verify();
    expect(result).toMatchObject({ intact: false, failure: { entryId } });
    return result.failure!.problem;
  }

  const inputs = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => ({
      type: 'POST_SOCIAL',
      idempotencyKey: `${prefix}-${index}`,
      payload: { platform: 'mastodon', text: `text ${index} ✓` },
    }));

  it('appends one entry per 100 actions of an enqueueActions call, naming each action it added', async () => {
    const response = await aol.graphql<{ enqueueActions: Array<{ action: { id: string } }> }>(ENQUEUE_ACTIONS, {
      inputs: inputs('bulk', 250),
    });
    expect(response.errors).toBeUndefined();
    const ids = response.data!.enqueueActions.map((result) => Number(result.action.id));

    const entries = await aol.sql<EntryRow>(`select * from aol_audit_chain order by id`);
    expect(entries.map((entry) => entry.kind)).toEqual(Array(3).fill(AuditKind.ENQUEUE_BATCH));
    const lists = entries.map(
      (entry) => (JSON.parse(entry.content) as { actions: Array<{ actionId: number; idempotencyKey: string }> }).actions,
    );
    expect(lists.map((list) => list.length)).toEqual([100, 100, 50]);
    expect(entries.map((entry) => [entry.action_id, entry.subject_id])).toEqual(Array(3).fill([null, null]));
    // Each entry's text is exactly what enqueueBatchFacts makes of the rows as stored (PostgreSQL writes it in SQL).
    const rows = new Map(
      (await aol.sql<Record<string, unknown>>(`select * from aol_actions`)).map((row) => [Number(row.id), row] as const),
    );
    const dialect = aol.app.get(SqlDatabase).dialect;
    for (const [index, entry] of entries.entries()) {
      const stored = lists[index].map((action) => enqueueRowOf(dialect, rows.get(action.actionId)!));
      expect(entry.content).toBe(canonicalJson(enqueueBatchFacts(stored)[0].content));
    }
    const recorded = lists.flat();
    expect(recorded.map((action) => action.actionId).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(recorded.find((action) => action.idempotencyKey === 'bulk-7')).toMatchObject({
      type: 'POST_SOCIAL',
      priority: 0,
      enqueuedBy: 'anonymous',
      payloadSha256: sha256Hex(canonicalJson({ platform: 'mastodon', text: 'text 7 ✓' })),
    });

    // A lone enqueue names its action on the entry too; a repeated key adds nothing.
    const single = await enqueuePost(aol, 'alone');
    expect(await lastEntry()).toMatchObject({ kind: AuditKind.ENQUEUE_BATCH, subject_id: null });
    expect(Number((await lastEntry()).action_id)).toBe(Number(single.id));
    const head = (await lastEntry()).id;
    await enqueuePost(aol, 'alone');
    expect((await lastEntry()).id).toEqual(head);

    expect(await verify()).toMatchObject({ intact: true, failure: null });
  });

  it('checks every action of many batches (more than one read of their rows), naming the entry of one edited in the last', async () => {
    for (const round of [1, 2, 3]) {
      const response = await aol.graphql(ENQUEUE_ACTIONS, { inputs: inputs(`many-${round}`, 1000) });
      expect(response.errors).toBeUndefined();
    }
    expect(await verify()).toMatchObject({ intact: true });
    const [action] = await aol.sql<{ id: unknown }>(`select id from aol_actions where idempotency_key = 'many-3-999'`);
    const entryId = await entryNaming(action.id);
    await aol.sql('update aol_actions set priority = 5 where id = ?', [action.id]);
    expect(await expectBrokenAt(entryId)).toContain(
      `row ${Number(action.id)} of aol_actions no longer matches it (edited): priority: 0 → 5`,
    );
    await aol.sql('update aol_actions set priority = 0 where id = ?', [action.id]);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('names the batch entry of an action edited after its enqueue, and the field that changed', async () => {
    const [action] = await aol.sql<{ id: unknown; payload: unknown }>(
      `select id, payload from aol_actions where idempotency_key = 'bulk-20'`,
    );
    const entryId = await entryNaming(action.id);
    const original = typeof action.payload === 'string' ? action.payload : JSON.stringify(action.payload);
    await aol.sql('update aol_actions set payload = ? where id = ?', [
      JSON.stringify({ platform: 'mastodon', text: 'changed' }),
      action.id,
    ]);
    const problem = await expectBrokenAt(entryId);
    expect(problem).toContain(
      `entry ${entryId} (ENQUEUE_BATCH): row ${Number(action.id)} of aol_actions no longer matches it (edited): payloadSha256:`,
    );
    await aol.sql('update aol_actions set payload = ? where id = ?', [original, action.id]);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('names an action inserted without an entry of its enqueue', async () => {
    const lastId = Number((await lastEntry()).id);
    const row = await insertAround('smuggled');
    expect(await expectBrokenAt(lastId + 1)).toBe(
      `row ${Number(row.id)} of aol_actions has no entry of its enqueue in the chain (inserted outside it)`,
    );
    await aol.sql('delete from aol_actions where id = ?', [row.id]);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('verifies the ENQUEUE entry of each action that chains written before ENQUEUE_BATCH hold', async () => {
    // What an older release appended for one enqueue, made by hand: the action, its own entry, the head moved.
    const action = await insertAround('older-release');
    const [head] = await aol.sql<{ last_id: unknown; last_sha256: string }>('select last_id, last_sha256 from aol_audit_head');
    const id = Number(head.last_id) + 1;
    const content = canonicalJson(enqueuedAction(enqueueRowOf(aol.app.get(SqlDatabase).dialect, action)));
    const entrySha = entrySha256(head.last_sha256, content);
    await aol.sql(
      `insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
       select ?, null, 'ENQUEUE', ?, ?, ?, ?, ?, ?, created_at from aol_actions where id = ?`,
      [id, action.id, action.id, content, sha256Hex(content), head.last_sha256, entrySha, action.id],
    );
    await aol.sql('update aol_audit_head set last_id = ?, last_sha256 = ?', [id, entrySha]);
    expect(await verify()).toMatchObject({ intact: true });

    await aol.sql('update aol_actions set priority = 7 where id = ?', [action.id]);
    expect(await expectBrokenAt(id)).toBe(
      `entry ${id} (ENQUEUE): row ${Number(action.id)} of aol_actions no longer matches it (edited): priority: 0 → 7`,
    );
  });

  it('names the batch entry of an action deleted without a retention checkpoint', async () => {
    const [action] = await aol.sql<{ id: unknown }>(`select id from aol_actions where idempotency_key = 'bulk-3'`);
    const entryId = await entryNaming(action.id);
    await aol.sql('delete from aol_actions where id = ?', [action.id]);
    expect(await expectBrokenAt(entryId)).toBe(
      `entry ${entryId} (ENQUEUE_BATCH): row ${Number(action.id)} of aol_actions is gone (deleted)`,
    );
  });
});
