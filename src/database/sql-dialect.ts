import { join, raw, Sql, sql } from './sql';

/**
 * Everything that differs between PostgreSQL and SQLite in AOL's hand-written statements, and
 * nothing else: the statements themselves live with their modules (`<module>/sql/`) and are
 * written once, in terms of this. Fragments made here are constant SQL text around bound
 * values; a value never becomes text.
 */
/** A column of a JSON record set: its name and its SQL type (PostgreSQL's spelling). */
export interface RecordsetColumn {
  name: string;
  type: 'bigint' | 'int' | 'boolean' | 'text' | 'jsonb' | 'timestamptz' | 'double precision';
}

/** One thing written for each database, where a statement's shape (not a fragment of it) differs. */
export interface PerDialect<T> {
  postgresql: () => T;
  sqlite: () => T;
}

export interface SqlDialect {
  readonly driver: 'postgresql' | 'sqlite';
  /**
   * Whether a WITH clause may hold an INSERT, UPDATE or DELETE (PostgreSQL's data-modifying
   * CTEs; SQLite has none): what lets one statement renew the lease and claim.
   */
  readonly writingCtes: boolean;
  /** The database's clock, in the datetime column representation, fixed for one statement. */
  readonly now: Sql;
  /** `now` plus a number of seconds (a bound value, or an expression). */
  nowPlusSeconds(seconds: Sql | number): Sql;
  /** `now` minus a number of milliseconds (a bound value, or an expression). */
  nowMinusMs(milliseconds: Sql | number): Sql;
  /** A datetime expression as epoch milliseconds, for arithmetic in SQL. */
  epochMs(datetime: Sql): Sql;
  /** A JSON object built in SQL from named expressions. */
  jsonObject(fields: Readonly<Record<string, Sql>>): Sql;
  /** An aggregate: one JSON object of the group's `key`: `value` pairs (null or {} over no rows). */
  jsonObjectAgg(key: Sql, value: Sql): Sql;
  /** The text of a JSON column's top-level field `key` (null when absent). */
  jsonText(column: Sql, key: string): Sql;
  /** `column` is one of `values`, bound as one parameter. */
  inList(column: Sql, values: readonly number[] | readonly string[]): Sql;
  /**
   * `column` is one of the values `select` returns, `select` run once first. With statistics that
   * did not yet know a table's new rows, PostgreSQL planned `id in (select … limit n)` as a
   * nested loop that ran the limited select again for each candidate row: quadratic. An array
   * made once is looked up through the column's index whatever the estimates.
   */
  inSelect(column: Sql, select: Sql): Sql;
  /**
   * A table expression `alias` reading `rows` (objects with the columns' names as keys) from one
   * bound parameter, a JSON array: how one statement writes a whole batch.
   */
  recordset(alias: string, columns: readonly RecordsetColumn[], rows: readonly object[]): Sql;
  /**
   * A text column the planner must not reach through an index. For statements that name their
   * rows by id: a status index holds the rows of every earlier batch too (dead entries until
   * vacuum), so looking rows up by primary key is far cheaper than scanning it.
   */
  unindexed(column: Sql): Sql;
  /** Tells SQLite's planner which index to read a table by (PostgreSQL has no such hint). */
  indexedBy(index: string): Sql;
  /** Lets concurrent claimers pass each other's rows (PostgreSQL); SQLite's one writer needs nothing. */
  readonly skipLocked: Sql;
  /** The variant written for this database. */
  pick<T>(variants: PerDialect<T>): T;
  /** Reads a datetime column value from a raw row. */
  toDate(value: unknown): Date;
  /** Reads a JSON column value from a raw row. */
  toJson<T>(value: unknown): T;
  /** Binds a value into a JSON column. */
  jsonParam(value: unknown): unknown;
  /** Binds a Date into a datetime column. */
  dateParam(value: Date): unknown;
  /** Binds a boolean (SQLite has none: 1/0). */
  boolParam(value: boolean): unknown;
}

const pgNow = raw('statement_timestamp()');

export const POSTGRESQL_DIALECT: SqlDialect = {
  driver: 'postgresql',
  writingCtes: true,
  // statement_timestamp(), not now(): now() is frozen at the start of the transaction.
  now: pgNow,
  nowPlusSeconds: (seconds) => sql`(${pgNow} + cast(${seconds} as double precision) * interval '1 second')`,
  nowMinusMs: (milliseconds) => sql`(${pgNow} - cast(${milliseconds} as double precision) * interval '1 millisecond')`,
  epochMs: (datetime) => sql`(extract(epoch from ${datetime}) * 1000)`,
  jsonObject: (fields) => sql`json_build_object(${jsonFields(fields)})`,
  jsonObjectAgg: (key, value) => sql`json_object_agg(${key}, ${value})`,
  jsonText: (column, key) => sql`(${column} ->> ${key})`,
  inList: (column, values) =>
    typeof values[0] === 'string' ? sql`${column} = any(cast(${values} as text[]))` : sql`${column} = any(cast(${values} as bigint[]))`,
  inSelect: (column, select) => sql`${column} = any(array(${select}))`,
  recordset: (alias, columns, rows) =>
    sql`jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb)) as ${raw(alias)}(${raw(
      columns.map((column) => `${column.name} ${column.type}`).join(', '),
    )})`,
  unindexed: (column) => sql`(${column} || '')`,
  indexedBy: () => raw(''),
  skipLocked: raw('for update skip locked'),
  pick: (variants) => variants.postgresql(),
  toDate: (value) => (value instanceof Date ? value : new Date(value as string)),
  toJson: <T>(value: unknown) => value as T,
  jsonParam: (value) => JSON.stringify(value),
  dateParam: (value) => value.toISOString(),
  boolParam: (value) => value,
};

// Epoch milliseconds, as MikroORM stores datetimes on SQLite; 'now' is fixed per statement.
const sqliteNow = raw("cast(round(unixepoch('subsec') * 1000) as integer)");

export const SQLITE_DIALECT: SqlDialect = {
  driver: 'sqlite',
  writingCtes: false,
  now: sqliteNow,
  nowPlusSeconds: (seconds) => sql`(${sqliteNow} + cast(round((${seconds}) * 1000) as integer))`,
  nowMinusMs: (milliseconds) => sql`(${sqliteNow} - cast(round(${milliseconds}) as integer))`,
  epochMs: (datetime) => datetime,
  jsonObject: (fields) => sql`json_object(${jsonFields(fields)})`,
  jsonObjectAgg: (key, value) => sql`json_group_object(${key}, ${value})`,
  jsonText: (column, key) => sql`json_extract(${column}, ${`$.${key}`})`,
  inList: (column, values) => sql`${column} in (select value from json_each(${JSON.stringify(values)}))`,
  inSelect: (column, select) => sql`${column} in (${select})`,
  recordset: (alias, columns, rows) =>
    sql`(select ${raw(columns.map((column) => `json_extract(value, '$.${column.name}') as ${column.name}`).join(', '))} from json_each(${JSON.stringify(rows)})) as ${raw(alias)}`,
  unindexed: (column) => sql`+${column}`,
  indexedBy: (index) => raw(`indexed by ${index}`),
  skipLocked: raw(''),
  pick: (variants) => variants.sqlite(),
  toDate: (value) => new Date(Number(value)),
  toJson: <T>(value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T)),
  jsonParam: (value) => JSON.stringify(value),
  dateParam: (value) => value.getTime(),
  boolParam: (value) => (value ? 1 : 0),
};

/** 'name', expression, … for json_build_object / json_object; names are constant text. */
function jsonFields(fields: Readonly<Record<string, Sql>>): Sql {
  return join(Object.entries(fields).map(([name, value]) => sql`${raw(`'${name}'`)}, ${value}`));
}

export function toNullableDate(dialect: SqlDialect, value: unknown): Date | null {
  return value === null || value === undefined ? null : dialect.toDate(value);
}
