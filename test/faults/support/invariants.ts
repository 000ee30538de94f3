import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RESCUES } from '../../../src/orchestrator/rescue.service';
import type { FakeMastodon } from '../../support/fake-mastodon';
import type { Scenario } from './scenario';

/** What a remote sink recorded, for REAL runs: posts made and requests seen per key. */
export interface SinkRecord {
  posts(key: string): Array<{ id: string }>;
  requests(key: string): number;
}

/** The fake Mastodon's record, by idempotency key. */
export function sinkOf(fake: FakeMastodon) {
  return {
    posts: (key: string) => fake.statuses.filter((status) => status.idempotencyKey === key),
    requests: (key: string) => fake.statusRequests.filter((request) => request.headers['idempotency-key'] === key).length,
  } satisfies SinkRecord;
}

export interface Expectations {
  /** Every key the scenario enqueued. */
  keys: string[];
  /** The statuses an action may end in (default: SUCCESS only). */
  finalStatus?: (key: string) => readonly string[];
  /**
   * Whether an action may also end NEEDS_REVIEW as RESCUED_TOO_OFTEN: where the scenario stops
   * leaders mid-batch again and again, the same action can be caught more often than the
   * service's rescue budget allows. Invariant 10 then checks that each such park was earned.
   */
  mayBeRescuedTooOften?: boolean;
  sink?: SinkRecord;
}

interface ActionRow {
  id: string;
  idempotency_key: string;
  type: string;
  status: string;
  attempts: number;
  attempt_floor: number;
  claimed_by: string | null;
  claim_epoch: string | null;
  artifact_ref: string | null;
  artifact_sha256: string | null;
  remote_id: string | null;
  last_error_code: string | null;
  rescues: number;
}

interface LogRow {
  id: string;
  action_id: string;
  tick_id: string | null;
  attempt: number;
  mode: string;
  outcome: string;
  started_us: string;
  duration_ms: number;
  artifact_ref: string | null;
  artifact_sha256: string | null;
  error_code: string | null;
  error: string | null;
  tick_epoch: string | null;
  tick_owner: string | null;
}

/** Rounding of started_at (ms) and duration_ms (ms) on both sides. */
const OVERLAP_TOLERANCE_US = 3000;

/**
 * The invariants every scenario ends with, read in SQL from the five tables (plus the
 * artifact files and, for REAL runs, the sink). Each broken one becomes a violation with the
 * rows that show it. Expected statuses are the scenario's; everything else holds always:
 *
 *  1. every enqueued action is there, once, and nothing else is;
 *  2. each is in an expected final state, and none is left RUNNING;
 *  3. attempts within budget: attempts − attempt_floor ≤ max retries + 1 + rescues (abandoned attempts);
 *  4. an honest record: attempts 1..n each have exactly one log row;
 *  5. exactly one SUCCESS log row per SUCCESS action, none for any other;
 *  6. no success from a stale epoch: the SUCCESS row's tick ran under the action's claim
 *     epoch, by its claimer; one owner per epoch in the ledger, the same the lease had;
 *  7. attempts of different epochs never overlap in time (a fenced leader ends before the next
 *     begins);
 *  8. artifacts: the file exists, its SHA-256 is the action's and the log row's, and it is
 *     this action's;
 *  9. REAL: at most one post per key; a SUCCESS has exactly one, and it is the remote_id;
 * 10. an action parked as RESCUED_TOO_OFTEN was abandoned MAX_RESCUES + 1 times, each time by
 *     an instance the harness really killed or froze.
 */
/** What every check reads: the scenario's rows, once, and how to report a violation. */
interface Evidence {
  scenario: Scenario;
  expectations: Expectations;
  violate: Scenario['violate'];
  actions: ActionRow[];
  logs: LogRow[];
  logsOf: Map<string, LogRow[]>;
  /** The statuses `action` may end in. */
  allowed(action: ActionRow): readonly string[];
}

export async function checkInvariants(scenario: Scenario, expectations: Expectations): Promise<void> {
  const evidence = await readEvidence(scenario, expectations);
  checkAccountedFor(evidence);
  checkFinalStates(evidence);
  for (const action of evidence.actions) checkAction(evidence, action);
  await checkOneLeaderAtATime(evidence);
  await checkArtifacts(evidence);
  checkRemoteEffects(evidence);
  checkParksEarned(evidence);
  for (const found of scenario.sampler.violations()) evidence.violate(found.invariant, found.detail, found.rows);
  scenario.checkNoCrash();
}

async function readEvidence(scenario: Scenario, expectations: Expectations): Promise<Evidence> {
  const expectedStatuses = expectations.finalStatus ?? (() => ['SUCCESS']);
  const actions = await scenario.sqlPatiently<ActionRow>(
    // rescues through to_jsonb: the column came with the rescue migration; absent, it reads null.
    `select id, idempotency_key, type, status, attempts, attempt_floor, claimed_by, claim_epoch, artifact_ref, artifact_sha256, remote_id, last_error_code,
            coalesce((to_jsonb(a) ->> 'rescues')::int, 0) as rescues
     from aol_actions a order by id`,
  );
  const logs = await scenario.sqlPatiently<LogRow>(
    `select l.id, l.action_id, l.tick_id, l.attempt, l.mode, l.outcome,
            (extract(epoch from l.started_at) * 1000000)::bigint as started_us, l.duration_ms,
            l.artifact_ref, l.artifact_sha256, l.error_code, l.error, t.epoch as tick_epoch, t.owner as tick_owner
     from aol_execution_logs l left join aol_tick_ledger t on t.id = l.tick_id order by l.id`,
  );
  const logsOf = new Map<string, LogRow[]>();
  for (const log of logs) logsOf.set(log.action_id, [...(logsOf.get(log.action_id) ?? []), log]);
  return {
    scenario,
    expectations,
    violate: scenario.violate.bind(scenario),
    actions,
    logs,
    logsOf,
    allowed: (action) =>
      expectations.mayBeRescuedTooOften && action.last_error_code === 'RESCUED_TOO_OFTEN'
        ? [...expectedStatuses(action.idempotency_key), 'NEEDS_REVIEW']
        : expectedStatuses(action.idempotency_key),
  };
}

/** 1. Every enqueued action is there, once, and nothing else is. */
function checkAccountedFor({ actions, expectations, violate }: Evidence): void {
  const byKey = new Map(actions.map((action) => [action.idempotency_key, action]));
  const expected = new Set(expectations.keys);
  const missing = expectations.keys.filter((key) => !byKey.has(key));
  if (missing.length > 0) violate('accounted for', `${missing.length} enqueued action(s) are missing`, missing);
  // WEBHOOK actions are AOL's own, enqueued for events (a case that subscribes checks them itself).
  const extra = actions.filter((action) => action.type !== 'WEBHOOK' && !expected.has(action.idempotency_key));
  if (extra.length > 0) violate('accounted for', `${extra.length} action(s) nobody enqueued`, extra);
}

/** 2. Each is in an expected final state, and none is left RUNNING. */
function checkFinalStates({ actions, expectations, violate, allowed, logsOf }: Evidence): void {
  const expected = new Set(expectations.keys);
  const running = actions.filter((action) => action.status === 'RUNNING');
  if (running.length > 0) violate('nothing left RUNNING', `${running.length} action(s) are still RUNNING`, running);
  const wrong = actions.filter(
    (action) => action.status !== 'RUNNING' && expected.has(action.idempotency_key) && !allowed(action).includes(action.status),
  );
  if (wrong.length > 0) {
    violate(
      'expected final state',
      `${wrong.length} action(s) ended outside their expected state(s)`,
      wrong.map((action) => ({ ...action, expected: allowed(action), log: logsOf.get(action.id) ?? [] })),
    );
  }
}

/** 3–6 for one action: its budget, one log row per attempt, its SUCCESS row, and that row's epoch. */
function checkAction({ scenario, violate, logsOf }: Evidence, action: ActionRow): void {
  const rows = logsOf.get(action.id) ?? [];
  // 3. budget
  const abandoned = rows.filter((row) => row.outcome === 'ABANDONED').length;
  const budget = scenario.timing.maxRetries + 1 + Math.max(abandoned, action.rescues);
  if (action.attempts - action.attempt_floor > budget) {
    violate('attempts within budget', `action ${action.id} made ${action.attempts - action.attempt_floor} attempts, budget ${budget}`, [
      action,
      ...rows,
    ]);
  }
  // 4. one log row per attempt
  if (action.status !== 'RUNNING') {
    const numbers = rows.map((row) => row.attempt).sort((a, b) => a - b);
    const wanted = Array.from({ length: action.attempts }, (_, index) => index + 1);
    if (JSON.stringify(numbers) !== JSON.stringify(wanted)) {
      violate(
        'one log row per attempt',
        `action ${action.id} (${action.status}) has attempts=${action.attempts} but log rows for attempts [${numbers.join(', ')}]`,
        [action, ...rows],
      );
    }
  }
  // 5. SUCCESS rows
  const successes = rows.filter((row) => row.outcome === 'SUCCESS');
  if (action.status === 'SUCCESS' && successes.length !== 1) {
    violate('one SUCCESS log row per SUCCESS action', `action ${action.id} is SUCCESS with ${successes.length} SUCCESS log rows`, [
      action,
      ...rows,
    ]);
  }
  if (action.status !== 'SUCCESS' && successes.length > 0) {
    violate(
      'no SUCCESS log row for an unsuccessful action',
      `action ${action.id} is ${action.status} but has ${successes.length} SUCCESS log row(s)`,
      [action, ...rows],
    );
  }
  // 6. the success's epoch
  for (const row of successes) {
    if (row.tick_epoch === null || row.tick_epoch !== action.claim_epoch || row.tick_owner !== action.claimed_by) {
      violate(
        'no success from a stale epoch',
        `action ${action.id}'s SUCCESS row ran in tick ${row.tick_id} (epoch ${row.tick_epoch}, ${row.tick_owner}) but the action was claimed at epoch ${action.claim_epoch} by ${action.claimed_by}`,
        [action, row],
      );
    }
  }
  const orphans = rows.filter((row) => row.outcome !== 'ABANDONED' && row.tick_epoch === null);
  if (orphans.length > 0) violate('every attempt in a tick', `action ${action.id} has log rows outside any ledger tick`, orphans);
}

/** 6–7. One owner per epoch, the lease's; attempts of different epochs never overlap in time. */
async function checkOneLeaderAtATime({ scenario, violate, logs }: Evidence): Promise<void> {
  // 6. one owner per epoch, the lease's
  const epochOwners = await scenario.sqlPatiently<{ epoch: string; owners: string[] }>(
    `select epoch, array_agg(distinct owner) as owners from aol_tick_ledger group by epoch order by epoch`,
  );
  for (const row of epochOwners)
    if (row.owners.length > 1)
      violate('one leader at a time', `epoch ${row.epoch} has ledger rows from ${row.owners.join(' and ')}`, [row]);
  const leaseOwners = new Map(
    scenario.sampler
      .epochs()
      .filter((e) => e.owner !== null)
      .map((e) => [String(e.epoch), e.owner]),
  );
  for (const row of epochOwners) {
    const owner = leaseOwners.get(String(row.epoch));
    if (owner && row.owners.length === 1 && row.owners[0] !== owner)
      violate(
        'one leader at a time',
        `epoch ${row.epoch} ticks were recorded by ${row.owners[0]} but the lease at that epoch was ${owner}'s`,
        [row],
      );
  }

  // 7. no overlap across epochs
  const timed = logs
    .filter((row) => row.outcome !== 'ABANDONED' && row.tick_epoch !== null)
    .map((row) => ({ row, start: Number(row.started_us), end: Number(row.started_us) + row.duration_ms * 1000 }))
    .sort((a, b) => a.start - b.start);
  const overlaps: unknown[] = [];
  for (let i = 0; i < timed.length; i += 1) {
    for (let j = i + 1; j < timed.length && timed[j].start < timed[i].end - OVERLAP_TOLERANCE_US; j += 1) {
      if (timed[j].row.tick_epoch !== timed[i].row.tick_epoch) overlaps.push({ first: timed[i].row, second: timed[j].row });
    }
  }
  if (overlaps.length > 0)
    violate('one leader at a time', `${overlaps.length} pair(s) of attempts from different epochs overlap in time`, overlaps);
}

/** 8. The file exists, its SHA-256 is the action's and the log row's, and it is this action's. */
async function checkArtifacts({ scenario, violate, actions, logsOf }: Evidence): Promise<void> {
  // 8. artifacts
  for (const action of actions.filter((a) => a.status === 'SUCCESS')) {
    const row = (logsOf.get(action.id) ?? []).find((log) => log.outcome === 'SUCCESS');
    if (!action.artifact_ref || !action.artifact_sha256) {
      violate('artifact matches', `SUCCESS action ${action.id} has no artifact`, [action]);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(scenario.artifactDir, action.artifact_ref));
    } catch (error) {
      violate('artifact matches', `action ${action.id}'s artifact ${action.artifact_ref} cannot be read: ${String(error)}`, [action]);
      continue;
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== action.artifact_sha256 || (row && row.artifact_sha256 !== action.artifact_sha256)) {
      violate(
        'artifact matches',
        `action ${action.id}: file SHA-256 ${sha}, action ${action.artifact_sha256}, log row ${row?.artifact_sha256}`,
        [action, row],
      );
      continue;
    }
    // A post's artifact names its action; a WEBHOOK action's is the request it would send (the file and hash checks above hold for both).
    if (action.type !== 'POST_SOCIAL') continue;
    try {
      const content = JSON.parse(bytes.toString('utf8')) as { actionId?: unknown; idempotencyKey?: unknown; mode?: unknown };
      if (
        String(content.actionId) !== String(action.id) ||
        content.idempotencyKey !== action.idempotency_key ||
        (row && content.mode !== row.mode)
      ) {
        violate(
          'artifact matches',
          `action ${action.id}'s artifact describes action ${String(content.actionId)} / ${String(content.idempotencyKey)} in ${String(content.mode)}`,
          [action, row],
        );
      }
    } catch {
      violate('artifact matches', `action ${action.id}'s artifact is not JSON`, [action]);
    }
  }
}

/** 9. REAL: at most one post per key; a SUCCESS has exactly one, and it is the remote_id. */
function checkRemoteEffects({ expectations, violate, actions, logsOf }: Evidence): void {
  // 9. remote effects
  if (expectations.sink) {
    for (const action of actions) {
      const posts = expectations.sink.posts(action.idempotency_key);
      if (posts.length > 1) {
        violate(
          'at most one post per action',
          `action ${action.id} (${action.status}) made ${posts.length} posts (${expectations.sink.requests(action.idempotency_key)} requests)`,
          [action, ...posts, ...(logsOf.get(action.id) ?? [])],
        );
      }
      if (action.status === 'SUCCESS' && (posts.length !== 1 || posts[0].id !== action.remote_id)) {
        violate(
          'SUCCESS is the post made',
          `action ${action.id} is SUCCESS with remote_id ${action.remote_id}; the sink has ${JSON.stringify(posts)}`,
          [action],
        );
      }
    }
  }
}

/** 10. A park as RESCUED_TOO_OFTEN was earned: MAX_RESCUES + 1 abandoned attempts, each by an instance the harness stopped. */
function checkParksEarned({ scenario, violate, actions, logsOf }: Evidence): void {
  // 10. parks for too many rescues are earned
  for (const action of actions.filter((a) => a.last_error_code === 'RESCUED_TOO_OFTEN')) {
    const abandoned = (logsOf.get(action.id) ?? []).filter((row) => row.outcome === 'ABANDONED');
    const claimers = abandoned.map((row) => /^(\S+) \(epoch \d+\) stopped before recording a result/.exec(row.error ?? '')?.[1] ?? null);
    const unstopped = claimers.filter(
      (id) => !scenario.byId(id)?.signals.some((sent) => sent.signal === 'SIGKILL' || sent.signal === 'SIGSTOP'),
    );
    if (action.status !== 'NEEDS_REVIEW' || abandoned.length !== MAX_RESCUES + 1 || unstopped.length > 0) {
      violate(
        'parked for too many rescues only when earned',
        `action ${action.id} is ${action.status} (RESCUED_TOO_OFTEN) after ${abandoned.length} abandoned attempt(s), by ${claimers.join(', ')}; never stopped by the harness: ${unstopped.join(', ') || 'none'}`,
        [action, ...abandoned],
      );
    } else {
      scenario.log(`action ${action.id} parked as RESCUED_TOO_OFTEN: its runs were stopped by killing ${claimers.join(', ')}`);
    }
  }
}
