import { ActionEntity } from '../queue/action.entity';
import { QueueCountEntity } from '../queue/queue-count.entity';
import { LeaseEntity } from '../lease/lease.entity';
import { ControlFlagsEntity } from '../control/control-flags.entity';
import { ControlEventEntity } from '../control/control-event.entity';
import { TickEntity } from '../ledger/tick.entity';
import { ExecutionLogEntity } from '../ledger/execution-log.entity';

/** AOL's tables. The migrations create exactly these; a test checks they agree. */
export const AOL_ENTITIES = [
  ActionEntity,
  QueueCountEntity,
  LeaseEntity,
  ControlFlagsEntity,
  ControlEventEntity,
  TickEntity,
  ExecutionLogEntity,
];
