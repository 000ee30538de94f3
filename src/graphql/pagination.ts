import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Page, PageRequest } from '../database/pagination';
import { AolError, AolErrorCode } from '../errors/aol-error';

export const MAX_PAGE_SIZE = 100;

/** Relay-style forward pagination, newest first. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1, { message: 'first must be at least 1' })
  @Max(MAX_PAGE_SIZE, { message: `first must be at most ${MAX_PAGE_SIZE}` })
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string | null;
}

const CURSOR_PREFIX = 'aol:';

export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
}

export function toPageRequest(args: PageArgs): PageRequest {
  if (args.after === undefined || args.after === null) return { first: args.first, beforeId: null };
  const decoded = Buffer.from(args.after, 'base64url').toString();
  const id = decoded.startsWith(CURSOR_PREFIX) ? Number(decoded.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new AolError(AolErrorCode.BAD_USER_INPUT, 'after is not a cursor this API gave out');
  return { first: args.first, beforeId: id };
}

@ObjectType('PageInfo')
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor: string | null;
}

/** Counts every match of a listing's filter, in one statement. */
export type CountAll = () => Promise<number>;

export interface ConnectionShape<M> {
  edges: Array<{ cursor: string; node: M }>;
  pageInfo: PageInfo;
  /** A getter: read (and so counted) only when the query selects the field. */
  readonly totalCount: Promise<number>;
}

/**
 * The base of a connection type and its edge type for a node type: `class ActionConnection
 * extends Connection(ActionModel, 'Action')` gives ActionConnection with ActionEdge edges.
 */
export function Connection<M>(node: Type<M>, name: string): Type<ConnectionShape<M>> {
  @ObjectType(`${name}Edge`)
  abstract class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: M;
  }

  @ObjectType({ isAbstract: true })
  abstract class ConnectionBase {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many match the filter, on every page (not only this one).' })
    totalCount: Promise<number>;
  }
  return ConnectionBase as Type<ConnectionShape<M>>;
}

/** Maps a page of records to a connection, cursors made from the records' ids; `countAll` answers totalCount if asked. */
export function toConnection<R extends { id: number }, M>(
  page: Page<R>,
  toModel: (record: R) => M,
  countAll: CountAll,
): ConnectionShape<M> {
  const edges = page.items.map((record) => ({ cursor: encodeCursor(record.id), node: toModel(record) }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null },
    get totalCount() {
      return countAll();
    },
  };
}
