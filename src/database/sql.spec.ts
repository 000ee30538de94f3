import { join, raw, render, Sql, sql } from './sql';

const question = () => '?';
const dollar = (index: number) => `$${index}`;

describe('the sql tag', () => {
  it('binds every value in its place and never writes it into the text', () => {
    const name = "x'); drop table aol_actions; --";
    expect(render(sql`select * from t where name = ${name} and id = ${7}`, dollar)).toEqual({
      text: 'select * from t where name = $1 and id = $2',
      values: [name, 7],
    });
  });

  it('splices a fragment in, text and values, numbering placeholders across the whole statement', () => {
    const fence = sql`owner = ${'me'} and epoch = ${3}`;
    const statement = sql`update t set a = ${1} where ${fence} and b = ${2} returning ${raw('id, a')}`;
    expect(render(statement, dollar)).toEqual({
      text: 'update t set a = $1 where owner = $2 and epoch = $3 and b = $4 returning id, a',
      values: [1, 'me', 3, 2],
    });
    expect(render(statement, question).text).toBe('update t set a = ? where owner = ? and epoch = ? and b = ? returning id, a');
  });

  it('binds the same value again each time it appears, and joins fragments with a separator', () => {
    const owner = 'me';
    const mine = sql`owner = ${owner}`;
    expect(render(sql`${mine} or (${mine})`, dollar)).toEqual({ text: 'owner = $1 or (owner = $2)', values: ['me', 'me'] });
    expect(render(join([sql`a = ${1}`, sql`b = ${2}`], ' and '), question)).toEqual({ text: 'a = ? and b = ?', values: [1, 2] });
    expect(render(join([]), question)).toEqual({ text: '', values: [] });
  });

  it('binds null, arrays and strings that look like SQL as values', () => {
    expect(render(sql`${null} ${[1, 2]} ${'$1'}`, dollar)).toEqual({ text: '$1 $2 $3', values: [null, [1, 2], '$1'] });
    expect(new Sql(['a'], []).values).toEqual([]);
  });
});
