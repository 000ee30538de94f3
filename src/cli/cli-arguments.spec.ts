import { parseCliArguments, UsageError } from './cli-arguments';

describe('parseCliArguments', () => {
  it('reads each command', () => {
    expect(parseCliArguments(['tick'])).toEqual({ name: 'tick', count: 1 });
    expect(parseCliArguments(['tick', '--count', '7'])).toEqual({ name: 'tick', count: 7 });
    expect(parseCliArguments(['tick', '--count=3'])).toEqual({ name: 'tick', count: 3 });
    expect(parseCliArguments(['status'])).toEqual({ name: 'status' });
    expect(parseCliArguments(['migrate'])).toEqual({ name: 'migrate' });
    expect(parseCliArguments(['--help'])).toEqual({ name: 'help' });
    expect(parseCliArguments(['enqueue', '--type', 'POST_SOCIAL', '--key', 'k', '--payload', '{"a":1}'])).toEqual({
      name: 'enqueue',
      type: 'POST_SOCIAL',
      key: 'k',
      payload: { a: 1 },
    });
  });

  it.each([
    [['status', 'extra']],
    [['migrate', '--force']],
    [['tick', '--count', '10001']],
    [['tick', '--count', '-1']],
    [['tick', '--count']],
  ])('refuses %j', (args) => {
    expect(() => parseCliArguments(args)).toThrow(UsageError);
  });
});
