// Caps concurrent channels on one SSH connection: ssh2 does not queue, and sshd refuses
// channels beyond MaxSessions (slots free late, so refusals start near 6 of the default 10).

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private limit: number) {
    if (limit < 1) throw new RangeError("semaphore limit must be at least 1");
  }

  /**
   * The server refused a channel at this concurrency: never ask for more than are open now, minus
   * the refused one (at least 1). Learned once per connection, like a congestion window.
   */
  lowerTo(limit: number): void {
    this.limit = Math.max(1, Math.min(this.limit, limit));
  }

  get current(): number {
    return this.limit;
  }

  async acquire(): Promise<() => void> {
    while (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }

  get inUse(): number {
    return this.active;
  }
}
