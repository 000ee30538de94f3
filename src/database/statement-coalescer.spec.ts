import { StatementCoalescer } from './statement-coalescer';

interface Statement {
  items: string[];
  finish: (error?: Error) => void;
}

/** Statements the test finishes by hand; each answers its items upper-cased, or fails. */
function controlledStatements() {
  const started: Statement[] = [];
  const run = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      started.push({ items: [...items], finish: (error) => (error ? reject(error) : resolve(items.map((item) => item.toUpperCase()))) });
    });
  return { started, run };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

function coalescer(run: (items: readonly string[]) => Promise<string[]>, maxInFlight = 1, maxBatch = 100) {
  return new StatementCoalescer<string, string>({ maxInFlight, maxBatch, keyOf: (item) => item.split(':')[0], run });
}

describe('StatementCoalescer', () => {
  it('sends a lone call at once, alone', async () => {
    const { started, run } = controlledStatements();
    const answer = coalescer(run).submit('a');
    expect(started.map((statement) => statement.items)).toEqual([['a']]);
    started[0].finish();
    await expect(answer).resolves.toBe('A');
  });

  it('puts every call made while a statement runs into the next one, and answers each caller its own result', async () => {
    const { started, run } = controlledStatements();
    const shared = coalescer(run);
    const first = shared.submit('a');
    const later = ['b', 'c', 'd'].map((item) => shared.submit(item));
    expect(started).toHaveLength(1);

    started[0].finish();
    await first;
    await settled();
    expect(started.map((statement) => statement.items)).toEqual([['a'], ['b', 'c', 'd']]);
    started[1].finish();
    await expect(Promise.all(later)).resolves.toEqual(['B', 'C', 'D']);
  });

  it('runs up to maxInFlight statements at once before calls start to wait', async () => {
    const { started, run } = controlledStatements();
    const shared = coalescer(run, 2);
    const answers = ['a', 'b', 'c', 'd'].map((item) => shared.submit(item));
    expect(started.map((statement) => statement.items)).toEqual([['a'], ['b']]);

    started[1].finish();
    await settled();
    expect(started.map((statement) => statement.items)).toEqual([['a'], ['b'], ['c', 'd']]);
    started[0].finish();
    started[2].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['A', 'B', 'C', 'D']);
  });

  it('never puts two items of one key in a statement, and keeps the rest in arrival order up to maxBatch', async () => {
    const { started, run } = controlledStatements();
    const shared = coalescer(run, 1, 3);
    const answers = ['a:1', 'b:1', 'b:2', 'c:1', 'd:1', 'e:1'].map((item) => shared.submit(item));
    started[0].finish();
    await settled();
    expect(started[1].items).toEqual(['b:1', 'c:1', 'd:1']);
    started[1].finish();
    await settled();
    expect(started[2].items).toEqual(['b:2', 'e:1']);
    started[2].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['A:1', 'B:1', 'B:2', 'C:1', 'D:1', 'E:1']);
  });

  it('tries each item of a failed statement again alone, so only the item the database refuses fails its caller', async () => {
    const refused = new Error('refused: c');
    const statements: string[][] = [];
    const shared = coalescer(async (items) => {
      statements.push([...items]);
      if (items.includes('c')) throw refused;
      return items.map((item) => item.toUpperCase());
    });
    const answers = ['a', 'b', 'c', 'd'].map((item) => shared.submit(item).catch((error: unknown) => error));
    await expect(Promise.all(answers)).resolves.toEqual(['A', 'B', refused, 'D']);
    expect(statements).toEqual([['a'], ['b', 'c', 'd'], ['b'], ['c'], ['d']]);
  });

  it('fails a lone caller with its statement error, and keeps serving calls afterwards', async () => {
    const { started, run } = controlledStatements();
    const shared = coalescer(run);
    const failed = shared.submit('a');
    started[0].finish(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    const next = shared.submit('b');
    expect(started).toHaveLength(2);
    started[1].finish();
    await expect(next).resolves.toBe('B');
  });
});
