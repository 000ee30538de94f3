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
      priority: null,
      runAfter: null,
    });
    expect(
      parseCliArguments([
        'enqueue',
        '--type',
        'POST_SOCIAL',
        '--key',
        'k',
        '--payload',
        '{}',
        '--priority',
        '-5',
        '--run-after',
        '2026-12-24T09:00:00Z',
      ]),
    ).toMatchObject({ priority: -5, runAfter: new Date('2026-12-24T09:00:00Z') });
    expect(parseCliArguments(['approve', '12', '--reason', 'ok'])).toEqual({ name: 'action', verb: 'approve', id: 12, reason: 'ok' });
    expect(parseCliArguments(['cancel', '--reason', 'gone', '3'])).toEqual({ name: 'action', verb: 'cancel', id: 3, reason: 'gone' });
    expect(parseCliArguments(['resolve', '4', '--outcome', 'POSTED', '--reason', 'seen', '--remote-url', 'https://x.example/1'])).toEqual({
      name: 'resolve',
      id: 4,
      outcome: 'POSTED',
      reason: 'seen',
      remoteUrl: 'https://x.example/1',
      remoteId: null,
    });
    expect(parseCliArguments(['pause', '--reason', 'lunch'])).toEqual({ name: 'switch', verb: 'pause', reason: 'lunch' });
  });

  it("gives `tick --count -1` the range message, not the parser's", () => {
    expect(() => parseCliArguments(['tick', '--count', '-1'])).toThrow('--count must be a whole number from 1 to 10000 (got "-1")');
  });

  it.each([
    [['status', 'extra']],
    [['migrate', '--force']],
    [['tick', '--count', '10001']],
    [['tick', '--count', '-1']],
    [['tick', '--count']],
    [['approve', '--reason', 'ok']],
    [['approve', '0', '--reason', 'ok']],
    [['approve', '1', '2', '--reason', 'ok']],
    [['reject', '1']],
    [['retry', '1', '--reason', '  ']],
    [['resolve', '1', '--outcome', 'MAYBE', '--reason', 'x']],
    [['kill']],
    [['enqueue', '--type', 'POST_SOCIAL', '--key', 'k', '--payload', '{}', '--priority', '1.5']],
    [['enqueue', '--type', 'POST_SOCIAL', '--key', 'k', '--payload', '{}', '--run-after', 'soon']],
  ])('refuses %j', (args) => {
    expect(() => parseCliArguments(args)).toThrow(UsageError);
  });
});
