import { Migration } from '@mikro-orm/migrations';

/**
 * Queue counts without scanning the queue: aol_queue_counts holds, per status, the number of
 * actions, kept by statement-level triggers on aol_actions that add up each statement's
 * changes from its transition tables (one small write per statement, however many rows).
 * Each database session writes its own shard of rows, so concurrent writers do not queue on
 * one hot row, and a session touches its rows in status order, so they cannot deadlock.
 * Reading the counts sums at most 7 × 16 rows.
 */
export class Migration20261130210000_queue_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_queue_counts" (
      "status" text not null,
      "shard" int not null,
      "n" bigint not null,
      constraint "aol_queue_counts_pkey" primary key ("status", "shard"));`);
    this.addSql(
      `insert into "aol_queue_counts" ("status", "shard", "n") select "status", 0, count(*) from "aol_actions" group by "status";`,
    );
    // One upsert per statement, into the session's own shard, statuses in order (so two
    // sessions never wait on each other in a cycle).
    this.addSql(`create function "aol_count_inserted_actions"() returns trigger language plpgsql as $$
      begin
        insert into aol_queue_counts (status, shard, n)
        select status, pg_backend_pid() % 16, count(*) from new_rows group by status order by status
        on conflict (status, shard) do update set n = aol_queue_counts.n + excluded.n;
        return null;
      end $$;`);
    this.addSql(`create function "aol_count_updated_actions"() returns trigger language plpgsql as $$
      begin
        insert into aol_queue_counts (status, shard, n)
        select status, pg_backend_pid() % 16, sum(n) from (
          select status, count(*) as n from new_rows group by status
          union all select status, -count(*) from old_rows group by status
        ) as both_sides group by status having sum(n) <> 0 order by status
        on conflict (status, shard) do update set n = aol_queue_counts.n + excluded.n;
        return null;
      end $$;`);
    this.addSql(`create function "aol_count_deleted_actions"() returns trigger language plpgsql as $$
      begin
        insert into aol_queue_counts (status, shard, n)
        select status, pg_backend_pid() % 16, -count(*) from old_rows group by status order by status
        on conflict (status, shard) do update set n = aol_queue_counts.n + excluded.n;
        return null;
      end $$;`);
    this.addSql(`create trigger "aol_actions_count_insert" after insert on "aol_actions"
      referencing new table as new_rows for each statement execute function "aol_count_inserted_actions"();`);
    this.addSql(`create trigger "aol_actions_count_update" after update on "aol_actions"
      referencing old table as old_rows new table as new_rows for each statement execute function "aol_count_updated_actions"();`);
    this.addSql(`create trigger "aol_actions_count_delete" after delete on "aol_actions"
      referencing old table as old_rows for each statement execute function "aol_count_deleted_actions"();`);
  }
}
