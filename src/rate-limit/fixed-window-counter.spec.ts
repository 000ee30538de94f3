import { FixedWindowCounter } from './fixed-window-counter';

describe('FixedWindowCounter', () => {
  it('allows `limit` events per key and window, then says how long until the window ends', () => {
    const counter = new FixedWindowCounter(3, 10_000);
    expect([1, 2, 3].map(() => counter.take('a', 21_000))).toEqual([0, 0, 0]);
    expect(counter.take('a', 24_000)).toBe(6_000);
    expect(counter.take('b', 24_000)).toBe(0);
    expect(counter.exceeded('a', 29_999)).toBe(1);
    expect(counter.take('a', 30_000)).toBe(0);
  });

  it('does not count refused events: the next window starts afresh', () => {
    const counter = new FixedWindowCounter(1, 1_000);
    expect(counter.take('a', 0)).toBe(0);
    for (let i = 0; i < 100; i += 1) expect(counter.take('a', 500)).toBe(500);
    expect(counter.take('a', 1_000)).toBe(0);
  });

  it('counts keys past its bound together, so many keys cannot grow it', () => {
    const counter = new FixedWindowCounter(2, 1_000, 2);
    expect(counter.take('a', 0)).toBe(0);
    expect(counter.take('b', 0)).toBe(0);
    expect(counter.take('c', 0)).toBe(0);
    expect(counter.take('d', 0)).toBe(0);
    expect(counter.take('e', 0)).toBe(1_000);
    expect(counter.take('a', 0)).toBe(0);
  });
});
