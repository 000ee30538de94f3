/**
 * What differs between PostgreSQL and SQLite in AOL's hand-written statements. Fragments
 * here are constant SQL text, never values: values always travel as bound parameters.
 */
/** SQL text with `?` placeholders and the values they bind, in order: a piece of a larger statement. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A column of a JSON record set: its name and its SQL type (PostgreSQL's spelling). */
export interface RecordsetColumn {
  name: string;
  type: 'bigint' | 'int' | 'text' | 'jsonb' | 'timestamptz' | 'double precision';
}

export interface SqlDialect {
  readonly driver: 'postgresql' | 'sqlite';
  /** The database's clock, in the datetime column representation, fixed for one statement. */
  readonly now: string;
  /** `now` plus a number of seconds given by the SQL expression `seconds`. */
  nowPlusSeconds(seconds: string): string;
  /** A datetime column as epoch milliseconds, for arithmetic in SQL. */
  epochMs(column: string): string;
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
  /** `column` is one of a list of ids bound as one parameter (see idsParam). */
  inIds(column: string): string;
  idsParam(ids: readonly number[]): unknown;
  /**
   * A table expression `alias` reading rows from one bound parameter holding a JSON array of
   * objects: how one statement writes a whole batch. Bind the array with JSON.stringify.
   */
  jsonRecordset(alias: string, columns: readonly RecordsetColumn[]): string;
  /**
   * A text column the planner must not reach through an index. For statements that name their
   * rows by id: a status index holds the rows of every earlier batch too (dead entries until
   * vacuum), so looking rows up by primary key is far cheaper than scanning it.
   */
  unindexed(column: string): string;
}

export const POSTGRESQL_DIALECT: SqlDialect = {
  driver: 'postgresql',
  // statement_timestamp(), not now(): now() is frozen at the start of the transaction.
  now: 'statement_timestamp()',
  nowPlusSeconds: (seconds) => `(statement_timestamp() + cast(${seconds} as double precision) * interval '1 second')`,
  epochMs: (column) => `(extract(epoch from ${column}) * 1000)`,
  toDate: (value) => (value instanceof Date ? value : new Date(value as string)),
  toJson: <T>(value: unknown) => value as T,
  jsonParam: (value) => JSON.stringify(value),
  dateParam: (value) => value.toISOString(),
  boolParam: (value) => value,
  inIds: (column) => `${column} = any(cast(? as bigint[]))`,
  idsParam: (ids) => ids,
  jsonRecordset: (alias, columns) =>
    `jsonb_to_recordset(cast(? as jsonb)) as ${alias}(${columns.map((column) => `${column.name} ${column.type}`).join(', ')})`,
  unindexed: (column) => `(${column} || '')`,
};

export const SQLITE_DIALECT: SqlDialect = {
  driver: 'sqlite',
  // Epoch milliseconds, as MikroORM stores datetimes on SQLite; 'now' is fixed per statement.
  now: "cast(round(unixepoch('subsec') * 1000) as integer)",
  nowPlusSeconds: (seconds) => `(cast(round(unixepoch('subsec') * 1000) as integer) + cast(round((${seconds}) * 1000) as integer))`,
  epochMs: (column) => column,
  toDate: (value) => new Date(Number(value)),
  toJson: <T>(value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T)),
  jsonParam: (value) => JSON.stringify(value),
  dateParam: (value) => value.getTime(),
  boolParam: (value) => (value ? 1 : 0),
  inIds: (column) => `${column} in (select value from json_each(?))`,
  idsParam: (ids) => JSON.stringify(ids),
  jsonRecordset: (alias, columns) =>
    `(select ${columns.map((column) => `json_extract(value, '$.${column.name}') as ${column.name}`).join(', ')} from json_each(?)) as ${alias}`,
  unindexed: (column) => `+${column}`,
};

export function toNullableDate(dialect: SqlDialect, value: unknown): Date | null {
  return value === null || value === undefined ? null : dialect.toDate(value);
}
