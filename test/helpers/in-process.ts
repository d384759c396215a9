/** Run a command in this process with fake streams: what it prints is captured, nothing is spawned. */
import { PassThrough } from 'node:stream';
import { createContext, type AppContext } from '../../src/context.js';
import { IO } from '../../src/ui/io.js';

export interface InProcess {
  ctx: AppContext;
  stdout(): string;
  stderr(): string;
}

export function inProcess(env: NodeJS.ProcessEnv = {}): InProcess {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  err.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const io = new IO({ stdin: new PassThrough(), stdout: out, stderr: err }, { NO_COLOR: '1', HOOKCTL_DEFAULT_PORT: '0', HOOKCTL_DEFAULT_INSPECT_PORT: '0', ...env });
  return { ctx: createContext(io, '0.1.0-test'), stdout: () => stdout, stderr: () => stderr };
}
