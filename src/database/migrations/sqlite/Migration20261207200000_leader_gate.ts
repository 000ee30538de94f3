import { Migration } from '@mikro-orm/migrations';

/** The same change as the PostgreSQL migration of the same name. */
export class Migration20261207200000_leader_gate extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `aol_lease` add column `leader_proof_mode_only` integer null;');
  }
}
