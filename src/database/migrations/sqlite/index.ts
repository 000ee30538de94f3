import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130000000_initial } from './Migration20261130000000_initial';
import { Migration20261130120000_operator_api } from './Migration20261130120000_operator_api';
import { Migration20261130180000_rescue } from './Migration20261130180000_rescue';
import { Migration20261130210000_queue_counts } from './Migration20261130210000_queue_counts';
import { Migration20261130230000_lean_indexes } from './Migration20261130230000_lean_indexes';
import { Migration20261206120000_flag_changes } from './Migration20261206120000_flag_changes';
import { Migration20261207100000_started_attempts } from './Migration20261207100000_started_attempts';
import { Migration20261207200000_leader_gate } from './Migration20261207200000_leader_gate';
import { Migration20261207300000_console_filters } from './Migration20261207300000_console_filters';
import { Migration20261207400000_approvals } from './Migration20261207400000_approvals';
import { Migration20261208000000_audit_chain } from './Migration20261208000000_audit_chain';
import { Migration20261208100000_webhooks } from './Migration20261208100000_webhooks';
import { Migration20261209100000_append_only_facts } from './Migration20261209100000_append_only_facts';
import { Migration20261209110000_audit_signatures } from './Migration20261209110000_audit_signatures';
import { Migration20261211000000_webhook_cursors } from './Migration20261211000000_webhook_cursors';

/** Every migration for this driver, oldest first. Add new ones at the end. */
export const SQLITE_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261130000000_initial', class: Migration20261130000000_initial },
  { name: 'Migration20261130120000_operator_api', class: Migration20261130120000_operator_api },
  { name: 'Migration20261130180000_rescue', class: Migration20261130180000_rescue },
  { name: 'Migration20261130210000_queue_counts', class: Migration20261130210000_queue_counts },
  { name: 'Migration20261130230000_lean_indexes', class: Migration20261130230000_lean_indexes },
  { name: 'Migration20261206120000_flag_changes', class: Migration20261206120000_flag_changes },
  { name: 'Migration20261207100000_started_attempts', class: Migration20261207100000_started_attempts },
  { name: 'Migration20261207200000_leader_gate', class: Migration20261207200000_leader_gate },
  { name: 'Migration20261207300000_console_filters', class: Migration20261207300000_console_filters },
  { name: 'Migration20261207400000_approvals', class: Migration20261207400000_approvals },
  { name: 'Migration20261208000000_audit_chain', class: Migration20261208000000_audit_chain },
  { name: 'Migration20261208100000_webhooks', class: Migration20261208100000_webhooks },
  { name: 'Migration20261209100000_append_only_facts', class: Migration20261209100000_append_only_facts },
  { name: 'Migration20261209110000_audit_signatures', class: Migration20261209110000_audit_signatures },
  { name: 'Migration20261211000000_webhook_cursors', class: Migration20261211000000_webhook_cursors },
];
