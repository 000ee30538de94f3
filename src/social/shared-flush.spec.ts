import { SharedFlush } from './shared-flush';

/** A flush the test finishes by hand, recording when each one started. */
function controlledFlush() {
  const started: Array<{ finish: (error?: Error) => void }> = [];
  const flush = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { started, flush };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedFlush', () => {
  it('starts a flush at once when none is running', async () => {
    const { started, flush } = controlledFlush();
    const shared = new SharedFlush(flush);
    const done = shared.request();
    expect(started).toHaveLength(1);
    started[0].finish();
    await expect(done).resolves.toBeUndefined();
  });

  it('answers requests made during a flush with one flush that starts after it, never with the running one', async () => {
    const { started, flush } = controlledFlush();
    const shared = new SharedFlush(flush);
    const first = shared.request();
    let laterDone = 0;
    const later = Array.from({ length: 10 }, () => shared.request().then(() => (laterDone += 1)));
    expect(started).toHaveLength(1);

    started[0].finish();
    await first;
    await settled();
    // The running flush may have begun before the later callers wrote: they wait for the next.
    expect(laterDone).toBe(0);
    expect(started).toHaveLength(2);

    started[1].finish();
    await Promise.all(later);
    expect(laterDone).toBe(10);
    expect(started).toHaveLength(2);
  });

  it('passes a failed flush on to its callers, and the next request flushes again', async () => {
    const { started, flush } = controlledFlush();
    const shared = new SharedFlush(flush);
    const failing = shared.request();
    const queued = shared.request();
    started[0].finish(new Error('EIO'));
    await expect(failing).rejects.toThrow('EIO');
    await settled();
    started[1].finish(new Error('EIO again'));
    await expect(queued).rejects.toThrow('EIO again');

    const next = shared.request();
    expect(started).toHaveLength(3);
    started[2].finish();
    await expect(next).resolves.toBeUndefined();
  });
});
