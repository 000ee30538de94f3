/**
 * One flush (an fsync) shared by everyone who asks while it is pending, the way a database
 * shares a WAL flush between commits: a caller is answered by a flush that began after it
 * asked, so whatever it did before asking is covered, and many concurrent callers cost one
 * or two flushes instead of one each.
 */
export class SharedFlush {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly flush: () => Promise<void>) {}

  request(): Promise<void> {
    // A queued flush starts after every request made so far: join it.
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    // The running flush may have begun before this caller's writes: wait for the next one.
    const after = () => {
      this.queued = null;
      return this.start();
    };
    this.queued = this.running.then(after, after);
    return this.queued;
  }

  private start(): Promise<void> {
    const flushing = this.flush().finally(() => {
      if (this.running === flushing) this.running = null;
    });
    this.running = flushing;
    return flushing;
  }
}
