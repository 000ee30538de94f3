import { Migration } from '@mikro-orm/migrations';
import { ACTION_STATUSES_WITH_APPROVALS, CONTROL_EVENT_KINDS_WITH_APPROVALS } from '../approval-constants';

/**
 * The same changes as the PostgreSQL migration of the same name. SQLite cannot alter a CHECK
 * constraint, so aol_actions and aol_control_events are rebuilt from their own definitions as
 * the database holds them (whatever columns, indexes and triggers earlier migrations gave
 * them), with only the CHECK list changed. aol_control_events refers to aol_actions, so
 * aol_actions is copied aside, dropped and created again under its own name (renaming a table
 * would carry the references to the new name along): the check of those references waits for
 * the commit (defer_foreign_keys lasts until then), and putting the rows back settles it. The
 * indexes and the count triggers come back last, so neither the drop nor the copy changes the counts.
 */
export class Migration20261207400000_approvals extends Migration {
  override async up(): Promise<void> {
    this.addSql('pragma defer_foreign_keys = on;');
    await this.rebuild('aol_actions', 'status', ACTION_STATUSES_WITH_APPROVALS);
    for (const column of ['enqueued_by', 'approved_by', 'approval_reason', 'approved_payload_sha256']) {
      this.addSql(`alter table \`aol_actions\` add column \`${column}\` text null;`);
    }
    this.addSql('alter table `aol_actions` add column `approved_at` datetime null;');
    await this.rebuild('aol_control_events', 'kind', CONTROL_EVENT_KINDS_WITH_APPROVALS);
  }

  /** Recreates `table` as it is defined now, but with `column`'s CHECK list set to `values`, keeping its rows, indexes and triggers. */
  private async rebuild(table: string, column: string, values: string): Promise<void> {
    const [definition] = await this.execute('select sql from sqlite_master where type = ? and name = ?', ['table', table]);
    const companions = await this.execute('select sql from sqlite_master where tbl_name = ? and type in (?, ?) and sql is not null', [
      table,
      'index',
      'trigger',
    ]);
    const check = new RegExp(`check \\(\`${column}\` in \\([^)]*\\)\\)`);
    const text = String(definition?.sql ?? '');
    if (!check.test(text)) throw new Error(`No CHECK on ${table}.${column} to widen in: ${text}`);
    this.addSql(`create table \`${table}_copy\` as select * from \`${table}\`;`);
    this.addSql(`drop table \`${table}\`;`);
    this.addSql(`${text.replace(check, `check (\`${column}\` in (${values}))`)};`);
    this.addSql(`insert into \`${table}\` select * from \`${table}_copy\`;`);
    this.addSql(`drop table \`${table}_copy\`;`);
    for (const companion of companions) this.addSql(`${String(companion.sql)};`);
  }
}
