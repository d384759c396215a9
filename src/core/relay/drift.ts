/**
 * Schema drift: a received payload checked against GitHub's schema for its event.action, off
 * the request's path and never slowing receiving. Checks run one at a time, at most
 * CHECKS_PER_SECOND; a delivery beyond that (or of a MiB and more) is not checked and keeps a
 * null verdict. At a developer's pace every delivery is checked.
 */
import { parsePayload } from '../webhook/payload.js';
import type { BodyKind } from '../webhook/types.js';
import type { SchemaVerdict } from '../store/types.js';

const CHECKS_PER_SECOND = 10;
const MAX_QUEUED = 8;
const MAX_BYTES = 1024 * 1024;

type ValidateFn = typeof import('../schemas/validate.js').validatePayload;

export class DriftChecker {
  private validator: Promise<ValidateFn | null> | undefined;
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  private window = 0;
  private checksThisSecond = 0;

  /** The verdict, or null when the delivery is not checked (rate, size, no schema module). */
  async check(d: { event: string; action: string | null; bodyKind: BodyKind; body: Uint8Array }): Promise<SchemaVerdict | null> {
    if (d.body.length >= MAX_BYTES) return null;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.window) {
      this.window = second;
      this.checksThisSecond = 0;
    }
    if (this.pending >= MAX_QUEUED || this.checksThisSecond >= CHECKS_PER_SECOND) return null;
    this.checksThisSecond++;
    this.pending++;
    const previous = this.chain;
    let release!: () => void;
    this.chain = new Promise<void>((r) => (release = r));
    try {
      await previous;
      // Let the answer and other requests go first.
      await new Promise((r) => setImmediate(r));
      const validate = await (this.validator ??= import('../schemas/validate.js').then((m) => m.validatePayload, () => null));
      if (!validate) return null;
      // Parsed here, for the few deliveries checked: the hot path never builds the object.
      const result = await validate(d.event, d.action, parsePayload(d.bodyKind, d.body));
      return !result.schemaFound ? { status: 'unknown', violations: [] } : { status: result.valid ? 'valid' : 'invalid', violations: result.violations.slice(0, 20) };
    } catch {
      return null;
    } finally {
      this.pending--;
      release();
    }
  }
}
