import { Logger } from '@nestjs/common';
import { InProcessEventBus } from './in-process-event-bus';

describe('InProcessEventBus.listen', () => {
  it('calls listeners within publish, in order, and not once stopped; a failing listener fails neither the publisher nor the others', async () => {
    const bus = new InProcessEventBus();
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const heard: string[] = [];
    bus.listen<{ n: number }>('topic', () => {
      throw new Error('broken listener');
    });
    const stop = bus.listen<{ n: number }>('topic', (event) => heard.push(`a${event.n}`));
    bus.listen<{ n: number }>('topic', (event) => heard.push(`b${event.n}`));
    bus.listen<{ n: number }>('other', (event) => heard.push(`other${event.n}`));

    const published = bus.publish('topic', { n: 1 });
    expect(heard).toEqual(['a1', 'b1']);
    await expect(published).resolves.toBeUndefined();
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ msg: 'A listener of topic failed: broken listener' }));

    stop();
    await bus.publish('topic', { n: 2 });
    expect(heard).toEqual(['a1', 'b1', 'b2']);
    errors.mockRestore();
  });

  it('reaches async-iterator subscribers as before', async () => {
    const bus = new InProcessEventBus();
    const stream = bus.subscribe<{ n: number }>('topic');
    const next = stream.next();
    await bus.publish('topic', { n: 3 });
    await expect(next).resolves.toEqual({ value: { n: 3 }, done: false });
    await stream.return?.();
  });
});
