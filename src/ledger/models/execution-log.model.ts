import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Connection } from '../../graphql/pagination';
import { AttemptOutcome } from '../tick-outcome';
import { ExecutionMode } from '../../actions/execution-mode';
import type { ExecutionLogEntity } from '../execution-log.entity';

registerEnumType(AttemptOutcome, { name: 'AttemptOutcome' });
// Also the type of AutonomyStatus.mode (orchestrator), whose models build on the ledger's.
registerEnumType(ExecutionMode, { name: 'ExecutionMode' });

@ObjectType('ExecutionLog', { description: 'One attempt of one action.' })
export class ExecutionLogModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  actionId: string;

  @Field(() => ID, { nullable: true, description: 'The tick it ran in.' })
  tickId: string | null;

  @Field(() => Int, { description: '1 for the first attempt.' })
  attempt: number;

  @Field(() => ExecutionMode)
  mode: ExecutionMode;

  @Field(() => AttemptOutcome)
  outcome: AttemptOutcome;

  @Field()
  startedAt: Date;

  @Field(() => Int)
  durationMs: number;

  @Field(() => String, { nullable: true })
  artifactRef: string | null;

  @Field(() => String, { nullable: true })
  artifactSha256: string | null;

  @Field(() => String, { nullable: true })
  errorCode: string | null;

  @Field(() => String, { nullable: true })
  error: string | null;

  static from(log: ExecutionLogEntity): ExecutionLogModel {
    return Object.assign(new ExecutionLogModel(), {
      ...log,
      id: String(log.id),
      actionId: String(log.actionId),
      tickId: log.tickId === null || log.tickId === undefined ? null : String(log.tickId),
      artifactRef: log.artifactRef ?? null,
      artifactSha256: log.artifactSha256 ?? null,
      errorCode: log.errorCode ?? null,
      error: log.error ?? null,
    });
  }
}

@ObjectType('ExecutionLogConnection')
export class ExecutionLogConnection extends Connection(ExecutionLogModel, 'ExecutionLog') {}
