import { Migration } from '@mikro-orm/migrations';

/**
 * The same counts as the PostgreSQL migration of the same name, kept by row triggers: SQLite
 * has one writer at a time, so a single row per status (shard 0) never contends.
 */
export class Migration20261130210000_queue_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`aol_queue_counts\` (
      \`status\` text not null,
      \`shard\` integer not null,
      \`n\` bigint not null,
      primary key (\`status\`, \`shard\`));`);
    this.addSql(
      'insert into `aol_queue_counts` (`status`, `shard`, `n`) select `status`, 0, count(*) from `aol_actions` group by `status`;',
    );
    this.addSql(`create trigger \`aol_actions_count_insert\` after insert on \`aol_actions\` begin
      insert into aol_queue_counts (status, shard, n) values (new.status, 0, 1) on conflict (status, shard) do update set n = n + 1;
    end;`);
    this.addSql(`create trigger \`aol_actions_count_update\` after update of status on \`aol_actions\` when old.status <> new.status begin
      insert into aol_queue_counts (status, shard, n) values (old.status, 0, -1) on conflict (status, shard) do update set n = n - 1;
      insert into aol_queue_counts (status, shard, n) values (new.status, 0, 1) on conflict (status, shard) do update set n = n + 1;
    end;`);
    this.addSql(`create trigger \`aol_actions_count_delete\` after delete on \`aol_actions\` begin
      insert into aol_queue_counts (status, shard, n) values (old.status, 0, -1) on conflict (status, shard) do update set n = n - 1;
    end;`);
  }
}
