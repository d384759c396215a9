/**
 * Long output on a terminal goes through a pager ($PAGER, else `less -FRX`), never when
 * stdout is piped. A pager that cannot run falls back to printing.
 */
import type { IO } from './io.js';
import { childEnv } from '../env.js';

export async function page(io: IO, text: string): Promise<void> {
  const rows = (io.streams.stdout as { rows?: number }).rows ?? 24;
  const pager = io.env.PAGER ?? 'less -FRX';
  if (!io.isStdoutTTY || pager === '' || pager === 'cat' || text.split('\n').length < rows) {
    io.out(text);
    return;
  }
  const { spawn } = await import('node:child_process');
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(process.platform === 'win32' ? 'cmd' : '/bin/sh', process.platform === 'win32' ? ['/c', pager] : ['-c', pager], {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: childEnv(io.env, { LESS: 'FRX' }),
    });
    child.on('error', () => resolve(false));
    child.stdin.on('error', () => undefined); // the reader quit early
    child.on('close', (code) => resolve(code !== 127));
    child.stdin.end(text.endsWith('\n') ? text : `${text}\n`);
  });
  if (!ok) io.out(text);
}
