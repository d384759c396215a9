/**
 * Terminal streams, TTY detection, prompting policy and colour. Nothing else in hookctl
 * touches process.stdout/stderr directly, so tests can swap in fake streams.
 */
import type { Readable, Writable } from 'node:stream';

export interface IOStreams {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export interface Colors {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
}

function makeColors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
    gray: wrap(90, 39),
  };
}

export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

export class IO {
  readonly streams: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  /** Colours for stdout. */
  readonly color: Colors;
  /** Colours for stderr (may differ when stdout is piped). */
  readonly errColor: Colors;

  constructor(streams: IOStreams, env: NodeJS.ProcessEnv) {
    this.streams = streams;
    this.env = env;
    this.color = makeColors(colorEnabled(env, this.isStdoutTTY));
    this.errColor = makeColors(colorEnabled(env, this.isStderrTTY));
  }

  static fromProcess(): IO {
    return new IO({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, process.env);
  }

  get isStdinTTY(): boolean {
    return Boolean(this.streams.stdin.isTTY);
  }
  get isStdoutTTY(): boolean {
    return Boolean(this.streams.stdout.isTTY);
  }
  get isStderrTTY(): boolean {
    return Boolean(this.streams.stderr.isTTY);
  }
  get columns(): number {
    return this.streams.stderr.columns ?? this.streams.stdout.columns ?? 100;
  }

  /** Prompts only when stdin and stdout are terminals and prompting is not disabled. */
  canPrompt(): boolean {
    const off = this.env.HOOKCTL_NO_PROMPT;
    if (off !== undefined && off !== '' && off !== '0') return false;
    return this.isStdinTTY && this.isStdoutTTY;
  }

  /** Data: goes to stdout. */
  out(text: string): void {
    this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Human messages (progress, warnings, hints): stderr, so stdout stays data. */
  err(text: string): void {
    this.streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.err(`${this.errColor.yellow('!')} ${text}`);
  }

  /** Success chatter only on a TTY, like gh. */
  success(text: string): void {
    if (this.isStderrTTY) this.err(`${this.errColor.green('✓')} ${text}`);
  }

  writeRaw(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.streams.stdout.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }
}
