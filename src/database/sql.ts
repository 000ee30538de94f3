/**
 * A statement, or a piece of one: SQL text with each bound value in its place, written with the
 * `sql` tag: sql`update aol_lease set owner = ${owner} where name = ${name}`. A value stays
 * beside its placeholder, so no list of parameters can drift from the text. A value that is
 * itself a Sql (a fragment) is spliced in, its text and its values; every other value is bound,
 * never written into the text. Placeholders are chosen when the statement runs (`?` for SQLite,
 * `$1, $2, …` for PostgreSQL).
 */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** Constant SQL text (a column list, a keyword, an index name): never a value from outside. */
export function raw(text: string): Sql {
  return new Sql([text], []);
}

export const EMPTY = raw('');

/** Fragments one after the other, `separator` between them. */
export function join(fragments: readonly Sql[], separator = ', '): Sql {
  if (fragments.length === 0) return EMPTY;
  return new Sql(['', ...fragments.slice(1).map(() => separator), ''], fragments);
}

export interface RenderedSql {
  text: string;
  values: unknown[];
}

/** The statement's text, with `placeholder(n)` for the n-th bound value (from 1), and the values in that order. */
export function render(statement: Sql, placeholder: (index: number) => string): RenderedSql {
  const values: unknown[] = [];
  const append = (fragment: Sql): string => {
    let text = fragment.strings[0];
    for (let index = 0; index < fragment.values.length; index += 1) {
      const value = fragment.values[index];
      if (value instanceof Sql) text += append(value);
      else {
        values.push(value);
        text += placeholder(values.length);
      }
      text += fragment.strings[index + 1];
    }
    return text;
  };
  return { text: append(statement), values };
}
