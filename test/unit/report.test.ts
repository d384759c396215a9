/** src/report.ts: what a user sees of an error a command threw, and the exit code. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError, UsageError } from '../../src/errors.js';
import { reportError } from '../../src/report.js';
import { IO } from '../../src/ui/io.js';

function io(tty: boolean): { io: IO; stderr: () => string } {
  const err = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  err.on('data', (d: Buffer) => (text += d.toString()));
  return { io: new IO({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: err }, { NO_COLOR: '1' }), stderr: () => text };
}

describe('reportError', () => {
  it('stopped at once on a terminal: a line of its own after the echoed ^C; piped: just the message', () => {
    const tty = io(true);
    expect(reportError(tty.io, new InterruptedError('Stopped at once.'))).toBe(130);
    expect(tty.stderr()).toBe('\nStopped at once.\n');
    const piped = io(false);
    expect(reportError(piped.io, new InterruptedError('Stopped at once.'))).toBe(130);
    expect(piped.stderr()).toBe('Stopped at once.\n');
  });

  it('a typed error prints its message and details and gives its exit code; anything else is a bug, said as one', () => {
    const a = io(false);
    expect(reportError(a.io, new UsageError('unknown event "x"', ['Did you mean: push?']))).toBe(2);
    expect(a.stderr()).toBe('error: unknown event "x"\nDid you mean: push?\n');
    const b = io(false);
    expect(reportError(b.io, new Error('boom'))).toBe(1);
    expect(b.stderr()).toBe('error: boom\nThis is a bug in hookctl; run again with HOOKCTL_DEBUG=1 for details.\n');
  });
});
