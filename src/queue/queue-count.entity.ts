import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { BigIntType } from '@mikro-orm/core';

/**
 * Part of the number of actions in one status (the sum over shards is the count), kept by
 * triggers on aol_actions so the status query never scans the queue.
 */
@Entity({ tableName: 'aol_queue_counts' })
export class QueueCountEntity {
  @PrimaryKey({ type: 'string' })
  status!: string;

  @PrimaryKey({ type: 'integer' })
  shard!: number;

  @Property({ type: new BigIntType('number') })
  n!: number;
}
