import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar } from '../../graphql/json.scalar';
import { ActionStatus, ActionType } from '../../actions/action-status';
import type { ActionEntity } from '../action.entity';

registerEnumType(ActionStatus, { name: 'ActionStatus' });
registerEnumType(ActionType, { name: 'ActionType' });

@ObjectType('Action', { description: 'One unit of work in the queue.' })
export class ActionModel {
  @Field(() => ID)
  id: string;

  @Field()
  idempotencyKey: string;

  @Field(() => ActionType)
  type: ActionType;

  @Field(() => JsonScalar)
  payload: Record<string, unknown>;

  @Field(() => ActionStatus)
  status: ActionStatus;

  @Field(() => Int, { description: 'Attempts started so far (the current one included while RUNNING).' })
  attempts: number;

  @Field({ description: 'Not claimed before this time (database clock).' })
  runAfter: Date;

  @Field(() => Int, { description: 'Higher runs first among due actions.' })
  priority: number;

  @Field(() => String, { nullable: true, description: 'Machine-readable code of the last failure.' })
  lastErrorCode: string | null;

  @Field(() => String, { nullable: true })
  lastError: string | null;

  @Field(() => String, { nullable: true, description: 'Instance that claimed it last.' })
  claimedBy: string | null;

  @Field(() => Int, { nullable: true, description: 'Lease epoch of the last claim.' })
  claimEpoch: number | null;

  @Field(() => Int, { description: 'Times a new leader took it back from a leader that died while running it.' })
  rescues: number;

  @Field(() => String, { nullable: true, description: 'Artifact path, relative to the artifact directory.' })
  artifactRef: string | null;

  @Field(() => String, { nullable: true })
  artifactSha256: string | null;

  @Field(() => String, { nullable: true, description: 'Id of the post a REAL run created.' })
  remoteId: string | null;

  @Field(() => String, { nullable: true, description: 'Address of the post a REAL run created.' })
  remoteUrl: string | null;

  @Field(() => String, { nullable: true, description: 'Who enqueued it: the caller\'s role and optional name (X-AOL-Actor), or "cli".' })
  enqueuedBy: string | null;

  @Field(() => String, { nullable: true, description: 'Who approved it (AOL_APPROVAL); null while it carries no approval.' })
  approvedBy: string | null;

  @Field(() => Date, { nullable: true })
  approvedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was approved.' })
  approvalReason: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'SHA-256 of the canonical payload the approval allows: it runs only while its payload still has this hash.',
  })
  approvedPayloadHash: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  static from(action: ActionEntity): ActionModel {
    return Object.assign(new ActionModel(), {
      id: String(action.id),
      idempotencyKey: action.idempotencyKey,
      type: action.type,
      payload: action.payload,
      status: action.status,
      attempts: action.attempts,
      runAfter: action.runAfter,
      priority: action.priority,
      lastErrorCode: action.lastErrorCode ?? null,
      lastError: action.lastError ?? null,
      claimedBy: action.claimedBy ?? null,
      claimEpoch: action.claimEpoch ?? null,
      rescues: action.rescues,
      artifactRef: action.artifactRef ?? null,
      artifactSha256: action.artifactSha256 ?? null,
      remoteId: action.remoteId ?? null,
      remoteUrl: action.remoteUrl ?? null,
      enqueuedBy: action.enqueuedBy ?? null,
      approvedBy: action.approvedBy ?? null,
      approvedAt: action.approvedAt ?? null,
      approvalReason: action.approvalReason ?? null,
      approvedPayloadHash: action.approvedPayloadSha256 ?? null,
      createdAt: action.createdAt,
      updatedAt: action.updatedAt,
      finishedAt: action.finishedAt ?? null,
    });
  }
}
