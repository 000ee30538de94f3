import { BigIntType, Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { TickOutcome } from './tick-outcome';

@Entity({ tableName: 'aol_tick_ledger' })
@Index({ name: 'aol_tick_ledger_started_at_idx', properties: ['startedAt'] })
// Partial in the migrations: only ticks that attempted something.
@Index({ name: 'aol_tick_ledger_busy_idx', properties: ['id'] })
export class TickEntity {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 200 })
  owner!: string;

  @Property({ type: new BigIntType('number') })
  epoch!: number;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number | null;

  @Enum({ items: () => TickOutcome, type: 'string', length: 20 })
  outcome!: TickOutcome;

  @Property({ type: 'integer', default: 0 })
  attempted!: number;

  @Property({ type: 'integer', default: 0 })
  succeeded!: number;

  @Property({ type: 'integer', default: 0 })
  failed!: number;

  @Property({ type: 'integer', default: 0 })
  retried!: number;

  @Property({ type: 'integer', default: 0 })
  deadLettered!: number;

  @Property({ type: 'text', nullable: true })
  note?: string | null;
}
