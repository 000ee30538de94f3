import { Migration } from '@mikro-orm/migrations';
import { ACTION_STATUSES_WITH_APPROVALS, CONTROL_EVENT_KINDS_WITH_APPROVALS } from '../approval-constants';

/**
 * A person in the loop: two statuses (AWAITING_APPROVAL, REJECTED), who enqueued an action,
 * the approval it carries (who, when, why, and the payload's SHA-256 it binds to), and three
 * control event kinds (APPROVE_ACTION, REJECT_ACTION, RESOLVE_ACTION). The queue counts need
 * nothing: their triggers count whatever status a row has.
 */
export class Migration20261207400000_approvals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "aol_actions" drop constraint "aol_actions_status_check";`);
    this.addSql(
      `alter table "aol_actions" add constraint "aol_actions_status_check" check ("status" in (${ACTION_STATUSES_WITH_APPROVALS}));`,
    );
    this.addSql(`alter table "aol_actions"
      add column "enqueued_by" varchar(200) null,
      add column "approved_by" varchar(200) null,
      add column "approved_at" timestamptz null,
      add column "approval_reason" text null,
      add column "approved_payload_sha256" varchar(64) null;`);
    this.addSql(`alter table "aol_control_events" drop constraint "aol_control_events_kind_check";`);
    this.addSql(
      `alter table "aol_control_events" add constraint "aol_control_events_kind_check" check ("kind" in (${CONTROL_EVENT_KINDS_WITH_APPROVALS}));`,
    );
  }
}
