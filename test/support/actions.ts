import type { TestApp } from './test-app';

export const ENQUEUE_ACTION = `
  mutation Enqueue($input: EnqueueActionInput!) {
    enqueueAction(input: $input) {
      created
      action { id status attempts artifactRef artifactSha256 lastError lastErrorCode runAfter }
    }
  }`;

export const ENQUEUE_ACTIONS = `
  mutation EnqueueMany($inputs: [EnqueueActionInput!]!) {
    enqueueActions(inputs: $inputs) { created action { id idempotencyKey status } }
  }`;

export const ACTION_QUERY = `
  query Action($id: ID!) {
    action(id: $id) { id idempotencyKey status attempts artifactRef artifactSha256 lastError lastErrorCode runAfter claimEpoch }
  }`;

export interface ActionView {
  id: string;
  idempotencyKey?: string;
  status: string;
  attempts: number;
  artifactRef: string | null;
  artifactSha256: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
  runAfter: string;
  claimEpoch?: number | null;
}

/** Enqueues a POST_SOCIAL action over GraphQL and returns it; fails the test on an error. */
export async function enqueuePost(aol: TestApp, key: string, text = `hello from ${key}`, platform = 'mastodon'): Promise<ActionView> {
  const response = await aol.graphql<{ enqueueAction: { action: ActionView } }>(ENQUEUE_ACTION, {
    input: { type: 'POST_SOCIAL', idempotencyKey: key, payload: { platform, text } },
  });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.enqueueAction.action;
}

export async function getAction(aol: TestApp, id: string): Promise<ActionView> {
  const response = await aol.graphql<{ action: ActionView }>(ACTION_QUERY, { id });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.action;
}

export interface LogRow {
  action_id: unknown;
  tick_id: unknown;
  attempt: unknown;
  mode: string;
  outcome: string;
  artifact_ref: string | null;
  artifact_sha256: string | null;
  error_code: string | null;
  error: string | null;
}

export async function logRows(aol: TestApp, actionId: string): Promise<LogRow[]> {
  return aol.sql<LogRow>(
    'select action_id, tick_id, attempt, mode, outcome, artifact_ref, artifact_sha256, error_code, error from aol_execution_logs where action_id = ? order by id',
    [Number(actionId)],
  );
}

export interface LedgerRow {
  id: unknown;
  outcome: string;
  attempted: unknown;
  succeeded: unknown;
  failed: unknown;
  retried: unknown;
  dead_lettered: unknown;
  note: string | null;
  epoch: unknown;
  owner: string;
}

export async function ledgerRows(aol: TestApp): Promise<LedgerRow[]> {
  return aol.sql<LedgerRow>(
    'select id, outcome, attempted, succeeded, failed, retried, dead_lettered, note, epoch, owner from aol_tick_ledger order by id',
  );
}

/** Makes an action due now by moving its run_after into the past (instead of sleeping). */
export async function makeDue(aol: TestApp, id: string): Promise<void> {
  const past =
    aol.config.database.driver === 'postgresql'
      ? "now() - interval '1 second'"
      : "cast(round(unixepoch('subsec') * 1000) as integer) - 1000";
  await aol.sql(`update aol_actions set run_after = ${past} where id = ?`, [Number(id)]);
}

/** Leaves an action as a leader that died mid-attempt would: RUNNING under an old epoch, marked started. */
export async function abandon(aol: TestApp, id: string, mode: 'PROOF' | 'REAL', rescues = 0): Promise<void> {
  await aol.sql(
    `update aol_actions set status = 'RUNNING', attempts = attempts + 1, claimed_by = 'dead-leader', claim_epoch = 0, claim_mode = ?, rescues = ?, started_at = updated_at where id = ?`,
    [mode, rescues, Number(id)],
  );
  await aol.sql(`insert into aol_tick_ledger (owner, epoch, started_at, outcome) values ('dead-leader', 0, ?, 'RUNNING')`, [
    aol.config.database.driver === 'postgresql' ? new Date().toISOString() : Date.now(),
  ]);
}
