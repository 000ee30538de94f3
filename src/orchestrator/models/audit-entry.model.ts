import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { SignedHead } from '../../audit/audit-signer';
import type { AuditHead } from '../../audit/audit.service';
import type { AuditEntry } from '../../audit/sql/read-entries';
import { Connection } from '../../graphql/pagination';

@ObjectType('AuditEntry', { description: 'One entry of the tamper-evident audit chain (see README, "Proof after the fact").' })
export class AuditEntryModel {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { nullable: true, description: "The leader's lease epoch, for attempts." })
  epoch: number | null;

  @Field({
    description:
      'ATTEMPT_BATCH, CONTROL, CONTROL_UPDATE, ENQUEUE_BATCH or RETENTION (ATTEMPT and ENQUEUE in chains written before the batch kinds).',
  })
  kind: string;

  @Field(() => ID, { nullable: true })
  actionId: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'The row it records: the log row, control event or action; of an ATTEMPT_BATCH entry, its log row when it holds one attempt, else none; of an ENQUEUE_BATCH entry, none.',
  })
  subjectId: string | null;

  @Field({ description: 'The canonical JSON that was hashed.' })
  content: string;

  @Field()
  contentSha256: string;

  @Field()
  prevSha256: string;

  @Field({ description: 'SHA-256(prevSha256 ‖ content).' })
  entrySha256: string;

  @Field()
  createdAt: Date;

  static from(entry: AuditEntry): AuditEntryModel {
    return Object.assign(new AuditEntryModel(), {
      ...entry,
      id: String(entry.id),
      actionId: entry.actionId === null ? null : String(entry.actionId),
      subjectId: entry.subjectId === null ? null : String(entry.subjectId),
    });
  }
}

@ObjectType('AuditHead', { description: 'The last entry of the chain: keep a copy elsewhere to prove the past later.' })
export class AuditHeadModel {
  @Field(() => ID)
  id: string;

  @Field()
  entrySha256: string;

  static from(head: AuditHead): AuditHeadModel {
    return Object.assign(new AuditHeadModel(), { id: String(head.id), entrySha256: head.entrySha256 });
  }
}

@ObjectType('AuditSignedHead', {
  description: 'A head signed with AOL_AUDIT_SIGNING_KEY (Ed25519) over "aol-audit-head <entryId> <entrySha256>".',
})
export class AuditSignedHeadModel {
  @Field(() => ID)
  entryId: string;

  @Field()
  entrySha256: string;

  @Field({ description: 'Base64.' })
  signature: string;

  @Field({ description: "SHA-256 (hex) of the public key's SPKI DER." })
  keyFingerprint: string;

  @Field()
  signedAt: Date;

  static from(head: SignedHead): AuditSignedHeadModel {
    return Object.assign(new AuditSignedHeadModel(), {
      entryId: String(head.entryId),
      entrySha256: head.headSha256,
      signature: head.signature,
      keyFingerprint: head.keyFingerprint,
      signedAt: head.signedAt,
    });
  }
}

@ObjectType('AuditChainConnection')
export class AuditChainConnection extends Connection(AuditEntryModel, 'AuditEntry') {
  @Field(() => AuditHeadModel)
  head: AuditHeadModel;

  @Field(() => AuditSignedHeadModel, { nullable: true, description: 'The latest signed head; null when none was signed.' })
  signedHead: AuditSignedHeadModel | null;
}
