import type { ProofJob } from './proof-artifact';

/**
 * The work every system gets: `count` POST_SOCIAL posts, numbered from 1, each with its own
 * idempotency key. AOL's parsePayload keeps {platform, text} as they are, so the same
 * payload reaches every handler.
 */
export function benchPost(index: number): { platform: string; text: string } {
  return { platform: 'mastodon', text: `bench post ${index}` };
}

export function benchKey(index: number): string {
  return `bench-${index}`;
}

export function benchJobs(count: number, first = 1): ProofJob[] {
  return Array.from({ length: count }, (_, offset) => ({
    id: first + offset,
    idempotencyKey: benchKey(first + offset),
    post: benchPost(first + offset),
  }));
}

/**
 * The documented fallback when AOL has no `enqueueActions` mutation: one INSERT of `$1`
 * PENDING rows into aol_actions, exactly the columns insertOrFind writes (payload as
 * parsePayload normalises it), due now by the database's clock.
 */
export const SEED_ACTIONS_POSTGRES = `
  insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at)
  select 'bench-' || i, 'POST_SOCIAL', jsonb_build_object('platform', 'mastodon', 'text', 'bench post ' || i),
         'PENDING', 0, statement_timestamp(), statement_timestamp(), statement_timestamp()
  from generate_series(1, $1::int) as i
  order by i`;

/** The same on SQLite, where datetimes are epoch milliseconds. */
export const SEED_ACTIONS_SQLITE = `
  with recursive seq(i) as (select 1 union all select i + 1 from seq where i < ?)
  insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at)
  select 'bench-' || i, 'POST_SOCIAL', json_object('platform', 'mastodon', 'text', 'bench post ' || i),
         'PENDING', 0, cast(round(unixepoch('subsec') * 1000) as integer), cast(round(unixepoch('subsec') * 1000) as integer),
         cast(round(unixepoch('subsec') * 1000) as integer)
  from seq`;

/** PostgreSQL: switchboard paused before the service starts, so nothing is claimed while seeding. */
export const PAUSE_SWITCHBOARD_POSTGRES = `update aol_control_flags set paused = true, reason = 'bench: seeding', updated_by = 'bench', updated_at = clock_timestamp() where id = 1`;
export const PAUSE_SWITCHBOARD_SQLITE = `update aol_control_flags set paused = 1, reason = 'bench: seeding', updated_by = 'bench', updated_at = cast(round(unixepoch('subsec') * 1000) as integer) where id = 1`;
