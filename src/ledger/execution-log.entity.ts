import { BigIntType, Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { AttemptOutcome } from './tick-outcome';
import { ExecutionMode } from '../actions/execution-mode';

/**
 * One attempt of one action; rows are only ever inserted. action_id and tick_id are plain
 * columns: the ledger module does not import the queue's entity, and the writer guarantees
 * what a foreign key would check (see the lean_indexes migration).
 */
@Entity({ tableName: 'aol_execution_logs' })
@Unique({ name: 'aol_execution_logs_action_attempt_unique', properties: ['actionId', 'attempt'] })
export class ExecutionLogEntity {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: new BigIntType('number') })
  actionId!: number;

  @Property({ type: new BigIntType('number'), nullable: true })
  tickId?: number | null;

  @Property({ type: 'integer' })
  attempt!: number;

  @Enum({ items: () => ExecutionMode, type: 'string', length: 10 })
  mode!: ExecutionMode;

  @Enum({ items: () => AttemptOutcome, type: 'string', length: 20 })
  outcome!: AttemptOutcome;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'integer' })
  durationMs!: number;

  @Property({ type: 'string', length: 500, nullable: true })
  artifactRef?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  artifactSha256?: string | null;

  @Property({ type: 'string', length: 60, nullable: true })
  errorCode?: string | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;
}
