import { ObjectType } from '@nestjs/graphql';
import { Connection } from '../../graphql/pagination';
import { ActionModel } from './action.model';

@ObjectType('ActionConnection')
export class ActionConnection extends Connection(ActionModel, 'Action') {}
