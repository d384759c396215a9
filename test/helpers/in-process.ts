/**
 * Run a command in this process with fake streams: what it prints is captured, nothing is
 * spawned. `inProcess()` gives a context for calling a command's `run` directly;
 * `runInProcess()` and `startInProcess()` take argv as the CLI does (commander parses it, the
 * command runs, a thrown typed error becomes its exit code and message as in src/main.ts), for
 * tests that are about what a command does rather than about the process it runs in.
 */
import { PassThrough } from 'node:stream';
import { createContext, type AppContext } from '../../src/context.js';
import { IO } from '../../src/ui/io.js';

export interface InProcess {
  ctx: AppContext;
  stdout(): string;
  stderr(): string;
  stdoutBytes(): Buffer;
}

const TEST_DEFAULTS: NodeJS.ProcessEnv = { NO_COLOR: '1', HOOKCTL_DEFAULT_PORT: '0', HOOKCTL_DEFAULT_INSPECT_PORT: '0' };

export function inProcess(env: NodeJS.ProcessEnv = {}, input?: string | Buffer): InProcess {
  const stdin = new PassThrough();
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => {
    outChunks.push(d);
    stdout += d.toString('utf8');
  });
  err.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // As runCli does for a child: stdin carries the input, or is closed at once.
  if (input !== undefined) stdin.end(input);
  else stdin.end();
  const io = new IO({ stdin, stdout: out, stderr: err }, { ...TEST_DEFAULTS, ...env });
  return { ctx: createContext(io, '0.1.0-test'), stdout: () => stdout, stderr: () => stderr, stdoutBytes: () => Buffer.concat(outChunks) };
}

export { reportError } from '../../src/report.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface InProcessOptions {
  /** The command's whole environment (a sandbox's env, as runCli would give a child). */
  env?: NodeJS.ProcessEnv;
  /** Bytes on stdin; without them stdin is closed at once. */
  input?: string | Buffer;
}

async function runArgv(run: InProcess, args: string[]): Promise<number> {
  const { runCli } = await import('../../src/cli.js');
  const { reportError } = await import('../../src/report.js');
  try {
    return await runCli(run.ctx, args);
  } catch (err) {
    return reportError(run.ctx.io, err);
  }
}

/** `hookctl ARGS…` in this process: exit code and output, like runCli's (no signal, no child). */
export async function runInProcess(args: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const run = inProcess(options.env, options.input);
  const code = await runArgv(run, args);
  return { code, stdout: run.stdout(), stderr: run.stderr(), stdoutBytes: run.stdoutBytes() };
}

export interface InProcessRunning {
  stdout(): string;
  stderr(): string;
  /** Resolves once the combined output matches; rejects when the command ended first, or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code, once the command returned. */
  exited: Promise<{ code: number }>;
  /**
   * Stop it as a signal would (the one signal policy listens on `process`): the signal reaches
   * every command running in this process, as a real one reaches every handler. A second one
   * follows if it has not stopped within `graceMs` (the policy's "stop at once"); rejects if
   * that does not stop it either.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number }>;
}

/** A long-running command (listen, inspect, deliveries list --follow) in this process; always stop() it in afterEach. */
export function startInProcess(args: string[], options: InProcessOptions = {}): InProcessRunning {
  const run = inProcess(options.env, options.input);
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  // Registered after inProcess's own listeners: the text is already captured when these run.
  run.ctx.io.streams.stdout.on('data', notify);
  run.ctx.io.streams.stderr.on('data', notify);
  let done = false;
  const exited = runArgv(run, args).then((code) => {
    done = true;
    notify();
    return { code };
  });
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = (run.stdout() + '\n' + run.stderr()).match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`the command ended before ${pattern} appeared.\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}.\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) {
      const within = async (): Promise<boolean> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
        const outcome = await Promise.race([exited, late]);
        clearTimeout(timer);
        return outcome !== 'late';
      };
      if (done) return exited;
      process.emit(signal);
      if (await within()) return exited;
      process.emit(signal);
      if (await within()) return exited;
      throw new Error(`hookctl ${args.join(' ')} did not stop on two ${signal}s.\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    },
  };
}
