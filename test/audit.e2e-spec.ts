import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abandon, enqueuePost, getAction, makeDue } from './support/actions';
import { BUILT_CLI, requireBuild, runNode } from './support/processes';
import { runSql } from './support/raw-sql';
import { attemptBatchFacts, attemptFact, attemptRowOf, entrySha256, sha256Hex } from '../src/audit/audit-fact';
import { AuditService } from '../src/audit/audit.service';
import { canonicalJson } from '../src/audit/canonical-json';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT } from '../src/database/sql-dialect';
import { AuditVerification } from '../src/audit/audit-verifier';
import { RetentionService } from '../src/orchestrator/retention.service';
import { startTestApp, TestApp, useTestDatabase } from './support/test-app';
import { DRIVERS } from './support/test-database';
import { ExplodingHandler, withSocialHandler } from './support/test-handlers';

describe.each(DRIVERS)('the audit chain on %s', (driver) => {
  // Declared before the database, so closed before it is dropped: afterAll hooks run in the order declared.
  let verifier: TestApp | undefined;
  afterAll(() => verifier?.close());
  const db = useTestDatabase(driver);
  beforeAll(requireBuild);

  const artifactDir = () => join(db.dir, 'artifacts');
  const aol = (args: string[]) => runNode(BUILT_CLI, args, { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: artifactDir() }, db.dir);
  const sql = <T = Record<string, unknown>>(statement: string) => runSql<T>(db, statement);
  const count = async (statement: string) => Number((await sql<{ n: unknown }>(statement))[0].n);

  /** The chain entry recording `subjectId` of `kind` (the first, for a control event). */
  const entryOf = async (kind: string, subjectId: unknown) =>
    count(`select min(id) as n from aol_audit_chain where kind = '${kind}' and subject_id = ${Number(subjectId)}`);
  /** The ATTEMPT_BATCH entry that names log row `logId`. */
  const attemptEntryOf = async (logId: unknown) => (await attemptItems(sql)).find((item) => item.attempt.logId === Number(logId))!.entryId;

  /**
   * What `audit verify` computes, run in this process by an app on the test's database (started
   * at the first call, after the first test has written the chain): a CLI process boots Nest and
   * the ORM for seconds, and the CLI's own path is covered by the cases that spawn it.
   */
  async function verify(): Promise<AuditVerification> {
    verifier ??= await startTestApp(db);
    return verifier.app.get(AuditService).verify();
  }

  /** Expects verify to fail at `entryId`; returns what it says is wrong there. */
  async function expectBrokenAt(entryId: number): Promise<string> {
    const verification = await verify();
    expect(verification).toMatchObject({ intact: false, failure: { entryId } });
    return verification.failure!.problem;
  }

  async function expectIntact(): Promise<void> {
    expect(await verify()).toMatchObject({ intact: true, failure: null });
  }

  /** Lifts the append-only triggers of `table` for `tamper`, as someone with DDL rights could, and restores them. */
  async function underTheTriggers(table: string, tamper: () => Promise<unknown>): Promise<void> {
    if (driver === 'postgresql') {
      await sql(`alter table ${table} disable trigger user`);
      await tamper();
      await sql(`alter table ${table} enable trigger user`);
      return;
    }
    const triggers = await sql<{ name: string; sql: string }>(
      `select name, sql from sqlite_master where type = 'trigger' and tbl_name = '${table}'`,
    );
    expect(triggers.length).toBeGreaterThanOrEqual(2);
    for (const trigger of triggers) await sql(`drop trigger ${trigger.name}`);
    await tamper();
    for (const trigger of triggers) await sql(trigger.sql);
  }

  /** Deletes through the guard retention opens, without retention's checkpoint: as a tamper would. */
  async function throughTheGuard(statement: string): Promise<void> {
    if (driver === 'postgresql') {
      await sql(`begin; select set_config('aol.retention', 'on', true); ${statement}; commit;`);
      return;
    }
    await sql('update aol_retention_guard set open = 1');
    await sql(statement);
    await sql('update aol_retention_guard set open = 0');
  }

  it('records a mixed run (successes, a retry, a DLQ, pause/resume, kill/revive, a rescue) and verifies it intact', async () => {
    const app = await startTestApp(db, {
      env: { AOL_RETRY_BASE_SECONDS: '60', AOL_MAX_RETRIES: '1' },
      // The failure's message holds what JSON must escape, and what it must not: PostgreSQL writes the entries' text in SQL.
      override: withSocialHandler(
        (real) => new ExplodingHandler(real, 'explode', ': "quoted" \\ \\u0041\nline\ttab\u0001\u001f\u007f \u2028 déjà 🚀 /'),
      ),
    });
    try {
      const bad = await enqueuePost(app, 'bad', 'please explode');
      await enqueuePost(app, 'good-1');
      await enqueuePost(app, 'good-2');
      expect(await app.tick()).toMatchObject({ attempted: 3, succeeded: 2, retried: 1 });
      await makeDue(app, bad.id);
      expect(await app.tick()).toMatchObject({ attempted: 1, deadLettered: 1 });
      expect((await getAction(app, bad.id)).status).toBe('DLQ');
      // A reason beyond ASCII: PostgreSQL hashes the entry in SQL, verify in process, over the same UTF-8 bytes.
      for (const mutation of ['pause(reason: "deploy")', 'resume(reason: "deployed ✓ déjà 🚀")', 'kill(reason: "incident")']) {
        expect((await app.graphql(`mutation { ${mutation} { paused } }`)).errors).toBeUndefined();
      }
      // Killed, the leader gives up its lease: the next to lead (a new epoch) rescues what a dead one left RUNNING.
      expect((await app.tick()).outcome).toBe('KILLED');
      expect((await app.graphql('mutation { revive(reason: "fixed") { killed } }')).errors).toBeUndefined();
      const retried = await app.graphql('mutation($id: ID!) { retryAction(id: $id, reason: "adapter fixed") { status } }', { id: bad.id });
      expect(retried.data).toEqual({ retryAction: { status: 'PENDING' } });
      const orphan = await enqueuePost(app, 'orphan');
      await abandon(app, orphan.id, 'PROOF');
      expect(await app.tick()).toMatchObject({ attempted: 2, succeeded: 1 });
      expect((await getAction(app, orphan.id)).status).toBe('SUCCESS');

      const query = `query($after: String) { auditChain(first: 2, after: $after) {
        edges { node { id kind prevSha256 entrySha256 } } pageInfo { hasNextPage endCursor } totalCount head { id entrySha256 } } }`;
      const first = (await app.graphql(query)).data!.auditChain;
      expect(first.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(['1', '2']);
      expect(first.edges[0].node).toMatchObject({ kind: 'ENQUEUE_BATCH', prevSha256: '0'.repeat(64) });
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(first.totalCount).toBe(Number(first.head.id));
      const second = (await app.graphql(query, { after: first.pageInfo.endCursor })).data!.auditChain;
      expect(second.edges[0].node).toMatchObject({ id: '3', prevSha256: first.edges[1].node.entrySha256 });
      const refused = await app.graphql('{ auditChain(first: 0) { totalCount } }');
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await app.graphql('{ auditChain(after: "nope") { totalCount } }')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await app.close();
    }

    // The CLI end to end (its exit code, stdout and a silent stderr), verify and export at once: neither writes.
    const [verified, exportedLines] = await Promise.all([aol(['audit', 'verify']), aol(['audit', 'export'])]);
    expect([verified.code, verified.stderr]).toEqual([0, '']);
    expect(JSON.parse(verified.stdout)).toMatchObject({ intact: true, failure: null });
    // Every fact has its entry: each attempt (the rescue's ABANDONED row among them) is named by
    // exactly one ATTEMPT_BATCH entry, each control event has its CONTROL entry, each action its enqueue's.
    const logRows = new Map((await sql('select * from aol_execution_logs')).map((row) => [Number(row.id), row] as const));
    const failures = [...logRows.values()].filter((row) => row.outcome === 'FAILED').map((row) => String(row.error));
    expect(failures.some((error) => error.includes('"quoted" \\ \\u0041\nline\ttab\u0001\u001f\u007f \u2028 déjà 🚀 /'))).toBe(true);
    const items = await attemptItems(sql);
    expect(items.map((item) => item.attempt.logId).sort((a, b) => a - b)).toEqual([...logRows.keys()].sort((a, b) => a - b));
    expect(await count(`select count(*) as n from aol_audit_chain where kind = 'ATTEMPT'`)).toBe(0);
    // Each ATTEMPT_BATCH entry's text is exactly what attemptBatchFacts makes of the log rows it names, as stored (PostgreSQL writes it in SQL).
    const dialect = driver === 'postgresql' ? POSTGRESQL_DIALECT : SQLITE_DIALECT;
    for (const entry of await sql<{ content: string; subject_id: unknown }>(
      `select content, subject_id from aol_audit_chain where kind = 'ATTEMPT_BATCH'`,
    )) {
      const named = (JSON.parse(entry.content) as { attempts: Array<{ logId: number }> }).attempts.map((attempt) =>
        logRows.get(attempt.logId)!,
      );
      const [fact] = attemptBatchFacts(named.map((row) => attemptRowOf(dialect, row)));
      expect(entry.content).toBe(canonicalJson(fact.content));
      expect(entry.subject_id === null ? null : Number(entry.subject_id)).toBe(fact.subjectId);
    }
    expect(await count(`select count(*) as n from aol_execution_logs where outcome = 'ABANDONED'`)).toBe(1);
    expect(await count(`select count(*) as n from aol_audit_chain where kind = 'CONTROL'`)).toBe(
      await count('select count(*) as n from aol_control_events'),
    );
    expect(await enqueuedActionIds(sql)).toEqual(
      (await sql<{ id: unknown }>('select id from aol_actions order by id')).map((row) => Number(row.id)),
    );
    expect(await count(`select count(*) as n from aol_audit_chain where kind = 'ATTEMPT_BATCH' and epoch is null`)).toBe(0);

    expect([exportedLines.code, exportedLines.stderr]).toEqual([0, '']);
    const exported = exportedLines.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; entrySha256: string });
    expect(exported.map((entry) => entry.id)).toEqual(exported.map((_, index) => index + 1));
    const [head] = await sql<{ last_id: unknown; last_sha256: string }>('select last_id, last_sha256 from aol_audit_head');
    expect({ id: Number(head.last_id), sha: head.last_sha256 }).toEqual({
      id: exported.length,
      sha: exported[exported.length - 1].entrySha256,
    });
  });

  it('refuses UPDATE and DELETE of the chain and of the facts it covers; of a control event, only a bulk change may update its details', async () => {
    await expect(sql(`update aol_audit_chain set content = '{}' where id = 1`)).rejects.toThrow(/aol_audit_chain is append-only/);
    await expect(sql('delete from aol_audit_chain where id = 1')).rejects.toThrow(/aol_audit_chain is append-only/);
    await expect(sql(`update aol_execution_logs set outcome = 'SUCCESS'`)).rejects.toThrow(/aol_execution_logs is append-only: UPDATE/);
    await expect(sql('delete from aol_execution_logs')).rejects.toThrow(/aol_execution_logs is append-only: DELETE/);
    await expect(sql(`update aol_control_events set reason = 'routine'`)).rejects.toThrow(/aol_control_events is append-only: UPDATE/);
    await expect(sql(`update aol_control_events set details = null`)).rejects.toThrow(/aol_control_events is append-only: UPDATE/);
    await expect(sql('delete from aol_control_events')).rejects.toThrow(/aol_control_events is append-only: DELETE/);
    if (driver === 'postgresql') {
      for (const table of ['aol_audit_chain', 'aol_execution_logs', 'aol_control_events']) {
        await expect(sql(`truncate ${table}`)).rejects.toThrow(/append-only: TRUNCATE/);
      }
    }
    await expectIntact();
  });

  it('names the entry of an outcome edited under the triggers', async () => {
    const [failed] = await sql<{ id: unknown }>(`select id from aol_execution_logs where outcome = 'FAILED' order by id limit 1`);
    const edit = (outcome: string) => () => sql(`update aol_execution_logs set outcome = '${outcome}' where id = ${Number(failed.id)}`);
    await expect(edit('SUCCESS')()).rejects.toThrow(/append-only/);
    await underTheTriggers('aol_execution_logs', edit('SUCCESS'));
    const entryId = await attemptEntryOf(failed.id);
    const problem = await expectBrokenAt(entryId);
    expect(problem).toContain('outcome: "FAILED" → "SUCCESS"');
    // The CLI end to end on a broken chain: exit 1, the same verification on stdout, the entry and its problem on stderr.
    const result = await aol(['audit', 'verify']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual(await verify());
    expect(result.stderr).toContain(`audit chain broken at entry ${entryId}: ${problem}`);
    await underTheTriggers('aol_execution_logs', edit('FAILED'));
    await expectIntact();
  });

  it('names the entry of a control reason edited under the triggers', async () => {
    const [kill] = await sql<{ id: unknown }>(`select id from aol_control_events where kind = 'KILL'`);
    const edit = (reason: string) => () => sql(`update aol_control_events set reason = '${reason}' where id = ${Number(kill.id)}`);
    await underTheTriggers('aol_control_events', edit('routine'));
    expect(await expectBrokenAt(await entryOf('CONTROL', kill.id))).toContain('reason: "incident" → "routine"');
    await underTheTriggers('aol_control_events', edit('incident'));
    await expectIntact();
  });

  it('names a log row or a control event inserted without its entry', async () => {
    const head = await count('select last_id as n from aol_audit_head');
    const [log] = await sql<{ id: unknown }>(
      `insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms)
       select action_id, tick_id, 99, mode, 'SUCCESS', started_at, 1 from aol_execution_logs order by id limit 1 returning id`,
    );
    expect(await expectBrokenAt(head + 1)).toContain(
      `row ${Number(log.id)} of aol_execution_logs has no entry of its attempt in the chain`,
    );
    await throughTheGuard(`delete from aol_execution_logs where id = ${Number(log.id)}`);
    await expectIntact();

    const [event] = await sql<{ id: unknown }>(
      `insert into aol_control_events (kind, actor, reason, created_at) select 'PAUSE', 'nobody', 'unrecorded', created_at from aol_control_events limit 1 returning id`,
    );
    expect(await expectBrokenAt(head + 1)).toContain(`row ${Number(event.id)} of aol_control_events has no CONTROL entry in the chain`);
    await throughTheGuard(`delete from aol_control_events where id = ${Number(event.id)}`);
    await expectIntact();
  });

  it('names the entry of a rewritten artifact file', async () => {
    const [log] = await sql<{ id: unknown; artifact_ref: string }>(
      `select id, artifact_ref from aol_execution_logs where artifact_ref is not null order by id limit 1`,
    );
    const file = join(artifactDir(), log.artifact_ref);
    const original = await readFile(file);
    await writeFile(file, original.toString().replace('hello', 'HELLO'));
    expect(await expectBrokenAt(await attemptEntryOf(log.id))).toContain(`artifact ${log.artifact_ref} hashes to`);
    await writeFile(file, original);
    await expectIntact();
  });

  it('names the first entry of two swapped under the triggers', async () => {
    await underTheTriggers('aol_audit_chain', async () => {
      await sql('update aol_audit_chain set id = -5 where id = 5');
      await sql('update aol_audit_chain set id = 5 where id = 6');
      await sql('update aol_audit_chain set id = 6 where id = -5');
    });
    expect(await expectBrokenAt(5)).toContain('does not follow entry 4');
    await underTheTriggers('aol_audit_chain', async () => {
      await sql('update aol_audit_chain set id = -5 where id = 5');
      await sql('update aol_audit_chain set id = 5 where id = 6');
      await sql('update aol_audit_chain set id = 6 where id = -5');
    });
    await expectIntact();
  });

  it('names an entry edited under the triggers, and a chain cut short', async () => {
    const [entry] = await sql<{ id: unknown; content: string }>(
      `select id, content from aol_audit_chain where kind = 'CONTROL' order by id limit 1`,
    );
    const id = Number(entry.id);
    await underTheTriggers('aol_audit_chain', () =>
      sql(`update aol_audit_chain set content = replace(content, 'deploy', 'routine') where id = ${id}`),
    );
    expect(await expectBrokenAt(id)).toContain('edited');
    await underTheTriggers('aol_audit_chain', () =>
      sql(`update aol_audit_chain set content = replace(content, 'routine', 'deploy') where id = ${id}`),
    );
    await expectIntact();

    const last = await count('select max(id) as n from aol_audit_chain');
    const [row] = await sql<Record<string, unknown>>(`select * from aol_audit_chain where id = ${last}`);
    await underTheTriggers('aol_audit_chain', () => sql(`delete from aol_audit_chain where id = ${last}`));
    expect(await expectBrokenAt(last)).toContain(`the head names entry ${last} but the chain ends at entry ${last - 1}`);
    await sql(
      `insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at) values (${last}, ${
        row.epoch === null ? 'null' : Number(row.epoch)
      }, '${String(row.kind)}', ${row.action_id === null ? 'null' : Number(row.action_id)}, ${Number(row.subject_id)}, '${String(row.content).replace(/'/g, "''")}', '${String(
        row.content_sha256,
      )}', '${String(row.prev_sha256)}', '${String(row.entry_sha256)}', ${driver === 'postgresql' ? `'${(row.created_at as Date).toISOString()}'` : Number(row.created_at)})`,
    );
    await expectIntact();
  });

  it('names a batch entry whose content no longer lists rows, instead of failing on it', async () => {
    const [entry] = await sql<{ id: unknown; content: string }>(
      `select id, content from aol_audit_chain where kind = 'ATTEMPT_BATCH' order by id limit 1`,
    );
    const id = Number(entry.id);
    for (const broken of ['{"attempts":7}', '{"attempts":[{"logId":"1 or 1=1"}]}', 'not json']) {
      await underTheTriggers('aol_audit_chain', () => sql(`update aol_audit_chain set content = '${broken}' where id = ${id}`));
      expect(await expectBrokenAt(id)).toContain('edited');
    }
    await underTheTriggers('aol_audit_chain', () =>
      sql(`update aol_audit_chain set content = '${entry.content.replace(/'/g, "''")}' where id = ${id}`),
    );
    await expectIntact();
  });

  it('verifies the ATTEMPT entry of each log row that chains written before ATTEMPT_BATCH hold', async () => {
    // What an older release appended for one attempt, made by hand: the log row, its own entry, the head moved.
    const [log] = await sql<Record<string, unknown>>(
      `insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms)
       select action_id, tick_id, 98, mode, 'SUCCESS', started_at, 1 from aol_execution_logs order by id limit 1 returning *`,
    );
    const [head] = await sql<{ last_id: unknown; last_sha256: string }>('select last_id, last_sha256 from aol_audit_head');
    const id = Number(head.last_id) + 1;
    const content = canonicalJson(attemptFact(attemptRowOf(driver === 'postgresql' ? POSTGRESQL_DIALECT : SQLITE_DIALECT, log)).content);
    const entrySha = entrySha256(head.last_sha256, content);
    await sql(
      `insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
       values (${id}, 1, 'ATTEMPT', ${Number(log.action_id)}, ${Number(log.id)}, '${content.replace(/'/g, "''")}', '${sha256Hex(content)}',
         '${head.last_sha256}', '${entrySha}', ${driver === 'postgresql' ? 'now()' : Date.now()})`,
    );
    await sql(`update aol_audit_head set last_id = ${id}, last_sha256 = '${entrySha}'`);
    await expectIntact();

    const edit = (ms: number) => () => sql(`update aol_execution_logs set duration_ms = ${ms} where id = ${Number(log.id)}`);
    await underTheTriggers('aol_execution_logs', edit(2));
    expect(await expectBrokenAt(id)).toBe(
      `entry ${id} (ATTEMPT): row ${Number(log.id)} of aol_execution_logs no longer matches it (edited): durationMs: 1 → 2`,
    );
    await underTheTriggers('aol_execution_logs', edit(1));
    await expectIntact();
  });

  it('names the entry of a log row deleted through the guard retention opens, without its checkpoint', async () => {
    const [log] = await sql<{ id: unknown }>(`select id from aol_execution_logs where outcome = 'ABANDONED'`);
    await throughTheGuard(`delete from aol_execution_logs where id = ${Number(log.id)}`);
    expect(await expectBrokenAt(await attemptEntryOf(log.id))).toContain(`row ${Number(log.id)} of aol_execution_logs is gone`);
  });
});

describe.each(DRIVERS)('retention and the audit chain on %s', (driver) => {
  const db = useTestDatabase(driver);

  it('accepts the rows retention removed, by the checkpoint appended in the deleting transaction', async () => {
    const app = await startTestApp(db, { env: { AOL_RETAIN_FINISHED_ACTIONS_DAYS: '1' } });
    try {
      await enqueuePost(app, 'old-1');
      await enqueuePost(app, 'old-2');
      expect(await app.tick()).toMatchObject({ succeeded: 2 });
      await runSql(db, `update aol_actions set updated_at = updated_at - ${driver === 'postgresql' ? "interval '2 days'" : '172800000'}`);
      await app.app.get(RetentionService).runRound();
      expect(await app.app.get(AuditService).verify()).toMatchObject({ intact: true, checked: 4 });
    } finally {
      await app.close();
    }
    expect(await runSql(db, 'select id from aol_actions')).toEqual([]);
    // The checkpoint came first, naming what went and the head the chain ended on: entry 3 (two enqueues, then the tick's two attempts in one entry).
    const [checkpoint] = await runSql<{ id: unknown; content: string }>(
      db,
      `select id, content from aol_audit_chain where kind = 'RETENTION'`,
    );
    const [third] = await runSql<{ entry_sha256: string }>(db, 'select entry_sha256 from aol_audit_chain where id = 3');
    expect(Number(checkpoint.id)).toBe(4);
    expect(JSON.parse(checkpoint.content)).toEqual({ removedActionIds: [1, 2], logRows: 2, headId: 3, headSha256: third.entry_sha256 });
  });
});

describe.each(DRIVERS)('concurrent appends to the audit chain on %s', (driver) => {
  const db = useTestDatabase(driver);

  it('chains 40 enqueues made at once, a tick and a pause between them, one after the other', async () => {
    const app = await startTestApp(db, { env: { AOL_MAX_ACTIONS_PER_TICK: '20' } });
    try {
      await Promise.all([
        ...Array.from({ length: 40 }, (_, index) => enqueuePost(app, `at-once-${index}`)),
        app.tick(),
        app.graphql('mutation { pause(reason: "in the middle") { paused } }'),
      ]);
      expect(await app.app.get(AuditService).verify()).toMatchObject({ intact: true });
    } finally {
      await app.close();
    }
    const [counts] = await runSql<{ actions: unknown; logs: unknown; entries: unknown }>(
      db,
      `select (select count(*) from aol_actions) as actions, (select count(*) from aol_execution_logs) as logs, (select count(*) from aol_audit_chain) as entries`,
    );
    expect(Number(counts.actions)).toBe(40);
    // Each action is named by exactly one enqueue entry (enqueues that shared a statement share one).
    const enqueued = await enqueuedActionIds((statement) => runSql(db, statement));
    expect(enqueued).toHaveLength(40);
    expect(new Set(enqueued).size).toBe(40);
    // The rest: the attempts' entries (each names every attempt of its recording, up to 100) and the pause's.
    const [batches] = await runSql<{ n: unknown }>(db, `select count(*) as n from aol_audit_chain where kind = 'ENQUEUE_BATCH'`);
    const attempts = await attemptItems((statement) => runSql(db, statement));
    expect(attempts.map((item) => item.attempt.logId).sort((a, b) => a - b)).toHaveLength(Number(counts.logs));
    expect(Number(counts.entries)).toBe(Number(batches.n) + new Set(attempts.map((item) => item.entryId)).size + 1);
  });
});

describe.each(DRIVERS)('signed heads of the audit chain on %s', (driver) => {
  const db = useTestDatabase(driver);
  beforeAll(requireBuild);

  const keys = generateKeyPairSync('ed25519');
  const publicKeyBase64 = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).toString('base64');
  const verify = (publicKey: KeyObject) =>
    runNode(
      BUILT_CLI,
      ['audit', 'verify'],
      { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: join(db.dir, 'artifacts'), AOL_AUDIT_PUBLIC_KEY: publicKeyBase64(publicKey) },
      db.dir,
    );

  it('signs the head each time the chain passes AOL_AUDIT_SIGN_EVERY entries; verify checks the signatures with the public key', async () => {
    const app = await startTestApp(db, {
      env: { AOL_AUDIT_SIGNING_KEY: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), AOL_AUDIT_SIGN_EVERY: '2' },
    });
    try {
      for (const key of ['s-1', 's-2', 's-3']) await enqueuePost(app, key);
      expect(await app.tick()).toMatchObject({ succeeded: 3 });
      // Entries 1-3 the enqueues (signed at 2), 4 the tick's three attempts (signed at 4).
      const { data } = await app.graphql(
        '{ auditChain(first: 1) { head { id entrySha256 } signedHead { entryId entrySha256 signature keyFingerprint } } }',
      );
      expect(data!.auditChain.signedHead).toMatchObject({ entryId: '4', entrySha256: data!.auditChain.head.entrySha256 });
    } finally {
      await app.close();
    }
    // Both at once: neither writes.
    const [intact, other] = await Promise.all([verify(keys.publicKey), verify(generateKeyPairSync('ed25519').publicKey)]);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ intact: true, signedHeads: { checked: 2, verified: true } });

    expect(other.code).toBe(1);
    expect(other.stderr).toContain('audit chain broken at entry 2: signed head 2: it was signed by key');

    const forged = sign(null, Buffer.from('aol-audit-head 2 forged'), keys.privateKey).toString('base64');
    // The table refuses the edit: it is made underneath its triggers.
    if (driver === 'postgresql') {
      await runSql(db, `alter table aol_audit_signatures disable trigger user`);
      await runSql(db, `update aol_audit_signatures set signature = '${forged}' where entry_id = 2`);
      await runSql(db, `alter table aol_audit_signatures enable trigger user`);
    } else {
      await runSql(db, 'drop trigger aol_audit_signatures_no_update');
      await runSql(db, `update aol_audit_signatures set signature = '${forged}' where entry_id = 2`);
    }
    const broken = await verify(keys.publicKey);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('audit chain broken at entry 2: signed head 2: its signature does not verify');
  });
});

/** Each attempt the ATTEMPT_BATCH entries name, with its entry's id. */
async function attemptItems(
  sql: (statement: string) => Promise<Array<Record<string, unknown>>>,
): Promise<Array<{ entryId: number; attempt: { logId: number } }>> {
  const entries = await sql(`select id, content from aol_audit_chain where kind = 'ATTEMPT_BATCH' order by id`);
  return entries.flatMap((entry) =>
    (JSON.parse(entry.content as string) as { attempts: Array<{ logId: number }> }).attempts.map((attempt) => ({
      entryId: Number(entry.id),
      attempt,
    })),
  );
}

/** The action ids the ENQUEUE_BATCH entries name, in order. */
async function enqueuedActionIds(sql: (statement: string) => Promise<Array<Record<string, unknown>>>): Promise<number[]> {
  const entries = await sql(`select content from aol_audit_chain where kind = 'ENQUEUE_BATCH'`);
  return entries
    .flatMap((entry) =>
      (JSON.parse(entry.content as string) as { actions: Array<{ actionId: number }> }).actions.map((action) => action.actionId),
    )
    .sort((a, b) => a - b);
}
