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

  /** The last change of any switch: why, by whom, when. */
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  updatedBy?: string | null;

  @Property({ type: 'datetime' })
  updatedAt!: Date;

  /** Each switch's own last change (null: never changed), so changing one keeps another's reason. */
  @Property({ type: 'text', nullable: true })
  pausedReason?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  pausedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  pausedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  killedReason?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  killedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  killedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  proofModeReason?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  proofModeBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  proofModeAt?: Date | null;
}
