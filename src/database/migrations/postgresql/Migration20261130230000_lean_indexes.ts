import { Migration } from '@mikro-orm/migrations';

/**
 * Fewer index writes per action on the hot path. A status change rewrites the whole row, and
 * PostgreSQL then adds an entry to every index of the table; so (status, id) now leaves out
 * SUCCESS rows (most of the table, and what no listing filters on without also paging by id),
 * which also serves finding RUNNING rows, and the log table keeps only the unique
 * (action_id, attempt) index its reads need. Per action: 5 index entries instead of 11.
 * The log table's foreign keys go too: each checked row locked its action and its tick again,
 * more than half the cost of writing a batch of log rows, to prove what the writer already
 * guarantees — a log row is written in the transaction that updates its action, under its
 * own tick, and retention deletes an action only with its log rows, a tick only when it has none
 * (orchestrator/retention.service.ts).
 */
export class Migration20261130230000_lean_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "aol_actions_running_idx";`);
    this.addSql(`drop index "aol_actions_status_id_idx";`);
    this.addSql(`create index "aol_actions_status_id_idx" on "aol_actions" ("status", "id") where "status" <> 'SUCCESS';`);
    this.addSql(`drop index "aol_execution_logs_action_id_idx";`);
    this.addSql(`drop index "aol_execution_logs_tick_id_idx";`);
    this.addSql(`alter table "aol_execution_logs" drop constraint "aol_execution_logs_action_id_fkey";`);
    this.addSql(`alter table "aol_execution_logs" drop constraint "aol_execution_logs_tick_id_fkey";`);
  }
}
