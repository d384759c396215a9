/**
 * Admission control for the receiver's bodies: the bytes of bodies being read or waiting for the
 * sink are capped across every connection, so many concurrent big bodies cost one budget, not
 * their sum. A request that does not fit waits unread (backpressure, not refusal).
 */

/** What bodies being read or stored may hold at once; one bigger body is let through alone. */
export const BODY_BUDGET_BYTES = 16 * 1024 * 1024;

/** Gives back what a reservation still holds, or shrinks it to `keep` bytes; again is harmless. */
export type Release = (keep?: number) => void;

/**
 * Bytes held by bodies being read or waiting for the sink, across connections. A request
 * reserves its whole body before a byte of it is read (its Content-Length; without one, the
 * most it may send), so every admitted body can finish: no deadlock between half-read bodies.
 * Requests are admitted in arrival order, each when it fits, or alone when nothing is held
 * (a body over the budget still goes). Until admitted, the body is not read: node stops
 * reading the socket once its small buffer is full, and the sender waits.
 */
export class BodyBudget {
  private held = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(private readonly budget: number) {}

  /** Resolves once `bytes` are reserved; the returned function gives back what is still held. */
  async reserve(bytes: number): Promise<Release> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.held += bytes;
    else await new Promise<void>((admit) => this.waiting.push({ bytes, admit }));
    let reserved = bytes;
    return (keep = 0) => {
      // Shrink to `keep` (a body without Content-Length, now read), or give it all back; again is harmless.
      const freed = reserved - Math.min(keep, reserved);
      reserved -= freed;
      this.held -= freed;
      if (freed > 0) this.admit();
    };
  }

  /** Bytes reserved now. */
  get bytes(): number {
    return this.held;
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.budget;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.held += next.bytes;
      next.admit();
    }
  }
}
