import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A webhook subscription made through the API (the table's shape; statements are in sql/webhooks.ts). */
@Entity({ tableName: 'aol_webhooks' })
export class WebhookEntity {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'text' })
  url!: string;

  /** A JSON array of event names. */
  @Property({ type: 'text' })
  events!: string;

  @Property({ type: 'text' })
  format!: string;

  /** whsec_…; null for the unsigned slack format. */
  @Property({ type: 'text', nullable: true })
  secret?: string | null;

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
