import { AttemptAbort } from './attempt-abort';

describe('AttemptAbort', () => {
  it('makes one signal, on first read, and aborts it when the time is up', () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    expect(abort.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    abort.abort();
    expect(signal.aborted).toBe(true);
  });

  it('gives a handler that reads it only after the time is up a signal already aborted', () => {
    const abort = new AttemptAbort();
    abort.abort();
    expect(abort.signal.aborted).toBe(true);
  });
});
