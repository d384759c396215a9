/** The terminal renderer of the relay's events, fed recorded events: what a failure prints, and where. */
import { describe, expect, it } from 'vitest';
import { relayView } from '../../src/ui/relay-view.js';
import { inProcess } from '../helpers/in-process.js';

describe('relayView', () => {
  it('prints a failure after the answer as a warning on stderr, escaped, in both output modes', () => {
    for (const json of [false, true]) {
      const { ctx, stdout, stderr } = inProcess();
      const view = relayView(ctx.io, { json });
      view.onEvent({ type: 'failure', stage: 'forward', id: 'a6ca934', message: 'socket hang up \x1b]0;pwned\x07' });
      view.onEvent({ type: 'failure', stage: 'subscriber', id: null, message: 'a subscriber failed on a delivery event: boom' });
      view.flush();
      expect(stdout()).toBe('');
      expect(stderr()).toContain('forward of a6ca934: socket hang up \\x1b]0;pwned\\x07');
      expect(stderr()).toContain('a subscriber failed on a delivery event: boom');
      expect(stderr()).not.toContain('\x1b');
    }
  });
});
