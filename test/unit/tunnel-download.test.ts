/**
 * The download offer when cloudflared is nowhere: only on a TTY, and declining (or having no
 * TTY) ends in the error that lists every way to provide it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { IO } from '../../src/ui/io.js';
import { resolveBinary } from '../../src/commands/shared/tunnel-session.js';

function tty<T extends PassThrough>(s: T): T & { isTTY: boolean } {
  return Object.assign(s, { isTTY: true });
}

describe('resolveBinary: the download offer', () => {
  let dir: string;
  let stderr: PassThrough;
  let errText: string;

  const ctxWith = (env: NodeJS.ProcessEnv, stdin: PassThrough, isTTY: boolean) => {
    stderr = new PassThrough();
    // Like process.stderr, which a prompt cannot close (inquirer ends its output stream).
    stderr.end = (() => stderr) as PassThrough['end'];
    errText = '';
    stderr.on('data', (d: Buffer) => (errText += d.toString('utf8')));
    const stdout = new PassThrough();
    const io = new IO(isTTY ? { stdin: tty(stdin), stdout: tty(stdout), stderr: tty(stderr) } : { stdin, stdout, stderr }, env);
    return createContext(io, '0.0.0-test');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookctl-tunnel-dl-'));
    mkdirSync(join(dir, 'empty-bin'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Type the answer once the prompt is on screen (the prompt module loads lazily): after the
   * stderr write that shows it, once the prompt has finished that turn and reads its input.
   */
  const answerWhenAsked = (stdin: PassThrough, answer: string) => {
    const onPrompt = () => {
      if (!errText.includes('Download it')) return; // errText's own listener came first
      stderr.off('data', onPrompt);
      setImmediate(() => stdin.write(`${answer}\r`));
    };
    stderr.on('data', onPrompt);
  };

  const env = () => ({ PATH: join(dir, 'empty-bin'), HOME: dir, HOOKCTL_HOME: join(dir, 'home'), NO_COLOR: '1' });

  it('on a TTY, accepting downloads it into HOOKCTL_HOME/bin and uses it', async () => {
    const stdin = new PassThrough();
    const ctx = ctxWith(env(), stdin, true);
    const asked: string[] = [];
    const download = async (to: string) => {
      asked.push(to);
      mkdirSync(join(to, '..'), { recursive: true });
      writeFileSync(to, '#!/bin/sh\n');
      chmodSync(to, 0o755);
      return to;
    };
    const pending = resolveBinary(ctx, undefined, download);
    answerWhenAsked(stdin, 'y');
    const bin = await pending;
    const expected = join(dir, 'home', 'bin', 'cloudflared');
    expect(asked).toEqual([expected]);
    expect(bin).toEqual({ path: expected, source: 'HOOKCTL_HOME' });
    expect(errText).toContain('cloudflared is not installed. Download it');
    // next time it is found without asking
    const again = await resolveBinary(ctxWith(env(), new PassThrough(), true), undefined, async () => {
      throw new Error('must not download twice');
    });
    expect(again).toEqual({ path: expected, source: 'HOOKCTL_HOME' });
  });

  it('on a TTY, declining ends in the error listing the ways', async () => {
    const stdin = new PassThrough();
    const ctx = ctxWith(env(), stdin, true);
    const pending = resolveBinary(ctx, undefined, async () => {
      throw new Error('must not download');
    });
    answerWhenAsked(stdin, 'n');
    const err = (await pending.catch((e: unknown) => e)) as { message: string; details: string[] };
    expect(err.message).toBe('cloudflared is not installed; hookctl needs it for --tunnel');
    // The user is in a terminal and just said No: not "run hookctl in a terminal".
    expect(err.details.join('\n')).not.toContain('run hookctl in a terminal');
    expect(err.details.join('\n')).toContain(`run the command again and accept the offer to download it into ${join(dir, 'home', 'bin')}`);
  });

  it('on a TTY, a failed download leaves no empty HOOKCTL_HOME/bin behind', async () => {
    const stdin = new PassThrough();
    const ctx = ctxWith(env(), stdin, true);
    const pending = resolveBinary(ctx, undefined, async (to: string) => {
      mkdirSync(join(to, '..'), { recursive: true });
      throw new Error('could not download cloudflared: getaddrinfo ENOTFOUND github.com');
    });
    answerWhenAsked(stdin, 'y');
    await expect(pending).rejects.toThrow('could not download cloudflared');
    expect(existsSync(join(dir, 'home', 'bin'))).toBe(false);
  });

  it('without a TTY it never asks', async () => {
    const ctx = ctxWith(env(), new PassThrough(), false);
    await expect(
      resolveBinary(ctx, undefined, async () => {
        throw new Error('must not download');
      }),
    ).rejects.toThrow('cloudflared is not installed');
    expect(errText).toBe('');
  });
});
