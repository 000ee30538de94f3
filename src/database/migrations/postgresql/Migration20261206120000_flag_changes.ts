import { Migration } from '@mikro-orm/migrations';
import { FLAG_EVENT_KINDS } from '../flag-event-kinds';

/**
 * Each switch of the switchboard keeps its own last change (why, who, when), so a proof-mode
 * change no longer overwrites the reason of a pause. Filled from the control events: each
 * switch's newest event, or nothing when it was never changed.
 */
export class Migration20261206120000_flag_changes extends Migration {
  override async up(): Promise<void> {
    for (const [flag, kinds] of Object.entries(FLAG_EVENT_KINDS)) {
      this.addSql(`alter table "aol_control_flags"
        add column "${flag}_reason" text null,
        add column "${flag}_by" varchar(200) null,
        add column "${flag}_at" timestamptz null;`);
      this.addSql(`update "aol_control_flags" set ("${flag}_reason", "${flag}_by", "${flag}_at") =
        (select "reason", "actor", "created_at" from "aol_control_events" where "kind" in (${kinds}) order by "id" desc limit 1);`);
    }
  }
}
