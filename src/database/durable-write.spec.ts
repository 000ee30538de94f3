import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { retryUntil } from './durable-write';

/** A write that fails with each of `failures` in turn, then answers `done`; counts its calls. */
function failingWrite(...failures: Error[]) {
  const write = jest.fn(async () => {
    const failure = failures.shift();
    if (failure) throw failure;
    return 'done';
  });
  return write;
}

describe('retryUntil', () => {
  const logger = new Logger('durable-write.spec');

  beforeEach(() => jest.spyOn(logger, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('repeats a failed write until it answers, telling the caller of each repeat', async () => {
    const write = failingWrite(new Error('Connection terminated unexpectedly'), new Error('read ECONNRESET'));
    const retrying = jest.fn();
    await expect(retryUntil('a write', logger, () => performance.now() + 60_000, write, { retrying })).resolves.toBe('done');
    expect(write).toHaveBeenCalledTimes(3);
    expect(retrying).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenCalledWith('a write: Connection terminated unexpectedly; trying again in 100 ms');
  });

  it('throws the failure once the next pause would end past the deadline', async () => {
    const refused = new Error('still away');
    const write = failingWrite(new Error('away'), refused, new Error('never reached'));
    const deadline = performance.now() + 250;
    // Pauses of 100 and then 200 ms: the second would end past the deadline.
    await expect(retryUntil('a write', logger, () => deadline, write)).rejects.toBe(refused);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('reads the deadline before each pause, so moving it ends the repeats', async () => {
    let deadline = performance.now() + 60_000;
    const write = failingWrite(new Error('away'), new Error('away again'), new Error('never reached'));
    const retrying = jest.fn(() => (deadline = 0));
    await expect(retryUntil('a write', logger, () => deadline, write, { retrying })).rejects.toThrow('away again');
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('throws at once a failure that is not worth retrying', async () => {
    const wrong = Object.assign(new Error('value too long'), { code: '22001' });
    const write = failingWrite(wrong);
    const worthRetrying = (error: unknown) => (error as { code?: string }).code !== '22001';
    await expect(retryUntil('a write', logger, () => performance.now() + 60_000, write, { worthRetrying })).rejects.toBe(wrong);
    expect(write).toHaveBeenCalledTimes(1);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
