import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The single switchboard row (id 1), created by the first migration. */
@Entity({ tableName: 'aol_control_flags' })
export class ControlFlagsEntity {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  @Property({ type: 'boolean', default: false })
  paused!: boolean;

  @Property({ type: 'boolean', default: false })
  killed!: boolean;

  @Property({ type: 'boolean', default: true })
  proofMode!: boolean;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  updatedBy?: string | null;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
