/**
 * A one-line progress bar on stderr (done/total, rate, ETA) for batches on a terminal.
 * Lines printed meanwhile go through `above()`, so the bar never smears them.
 */
import type { IO } from './io.js';
import { formatDuration } from './format.js';

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly io: IO,
    private readonly total: number,
  ) {}

  tick(): void {
    this.done++;
    const now = performance.now();
    if (now - this.lastDraw > 80 || this.done === this.total) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Print a line above the bar (stdout or stderr), then redraw the bar. */
  above(print: () => void): void {
    this.clear();
    print();
    if (this.done > 0) this.draw();
  }

  private draw(): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = this.done / Math.max(elapsed, 0.001);
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const width = 28;
    const filled = Math.round((this.done / this.total) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.io.streams.stderr.write(`${CLEAR_LINE}${bar} ${this.done}/${this.total}  ${Math.round(rate)}/s  ETA ${formatDuration(eta * 1000)}`);
    this.drawn = true;
  }

  /** Remove the bar (before a summary, or on Ctrl+C). */
  clear(): void {
    if (!this.drawn) return;
    this.io.streams.stderr.write(CLEAR_LINE);
    this.drawn = false;
  }
}
