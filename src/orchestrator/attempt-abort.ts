/**
 * An attempt's abort signal, made only when its handler asks for it: a PROOF or no-op attempt
 * never does, and making one costs more than such an attempt's own work. Asked for after the
 * time is up, it comes already aborted.
 */
export class AttemptAbort {
  private controller: AbortController | null = null;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}
