import { BigIntType, Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

@Entity({ tableName: 'aol_lease' })
export class LeaseEntity {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 100 })
  @Unique({ name: 'aol_lease_name_unique' })
  name!: string;

  /** Null while nobody holds the lease (released, or never taken). */
  @Property({ type: 'string', length: 200, nullable: true })
  owner?: string | null;

  /** Fencing token: grows by one on every change of owner, never goes back. */
  @Property({ type: new BigIntType('number'), default: 0 })
  epoch!: number;

  @Property({ type: 'datetime', nullable: true })
  acquiredAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  renewedAt?: Date | null;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  /** The deployment gate (AOL_PROOF_MODE) of the owner that last took or renewed the lease; null before any did. */
  @Property({ type: 'boolean', nullable: true })
  leaderProofModeOnly?: boolean | null;
}
