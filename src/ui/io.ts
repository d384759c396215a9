/**
 * Terminal streams, TTY detection, prompting policy and colour. Nothing else in hookctl
 * touches process.stdout/stderr directly, so tests can swap in fake streams.
 *
 * Colour is chalk's, with our policy deciding whether a stream gets any: NO_COLOR wins, then
 * FORCE_COLOR, then "is it a terminal (and not TERM=dumb)". chalk is loaded on the first
 * coloured string, so a command whose output is piped never loads it.
 */
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import type { ChalkInstance } from 'chalk';

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

/** Our policy: 0 = no colour; otherwise chalk's level (1 basic, 2 256, 3 truecolor). */
function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    return force === '2' ? 2 : force === '3' ? 3 : 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  return /-256(color)?$/i.test(env.TERM ?? '') ? 2 : 1;
}

const require = createRequire(import.meta.url);
let ChalkClass: (new (options: { level: 0 | 1 | 2 | 3 }) => ChalkInstance) | undefined;

const plain = (s: string) => s;
const NO_COLORS: Colors = {
  enabled: false,
  bold: plain,
  dim: plain,
  red: plain,
  green: plain,
  yellow: plain,
  blue: plain,
  magenta: plain,
  cyan: plain,
  gray: plain,
};

function makeColors(level: 0 | 1 | 2 | 3): Colors {
  if (level === 0) return NO_COLORS;
  ChalkClass ??= (require('chalk') as { Chalk: typeof ChalkClass }).Chalk;
  const chalk = new ChalkClass!({ level });
  return {
    enabled: true,
    bold: (s) => chalk.bold(s),
    dim: (s) => chalk.dim(s),
    red: (s) => chalk.red(s),
    green: (s) => chalk.green(s),
    yellow: (s) => chalk.yellow(s),
    blue: (s) => chalk.blue(s),
    magenta: (s) => chalk.magenta(s),
    cyan: (s) => chalk.cyan(s),
    gray: (s) => chalk.gray(s),
  };
}

export class IO {
  readonly streams: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  private stdoutColors: Colors | undefined;
  private stderrColors: Colors | undefined;

  constructor(streams: IOStreams, env: NodeJS.ProcessEnv) {
    this.streams = streams;
    this.env = env;
  }

  static fromProcess(): IO {
    return new IO({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, process.env);
  }

  /** Colours for stdout. */
  get color(): Colors {
    return (this.stdoutColors ??= makeColors(colorLevel(this.env, this.isStdoutTTY)));
  }

  /** Colours for stderr (may differ when stdout is piped). */
  get errColor(): Colors {
    return (this.stderrColors ??= makeColors(colorLevel(this.env, this.isStderrTTY)));
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
  /** stdout's width when it is a terminal; none otherwise (output is then not fitted: src/ui/fit.ts). */
  get width(): number | undefined {
    return this.isStdoutTTY ? this.streams.stdout.columns || undefined : undefined;
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
