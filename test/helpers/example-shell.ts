/**
 * Running documentation examples the way a user types them: `sh -c COMMAND` (pipes, quotes,
 * $VARS, redirections), with `hookctl` on PATH as a tiny shim that runs this checkout's built
 * CLI. Every shell is its own process group, so a pipeline is stopped as a whole.
 *
 * Ctrl+C in a terminal reaches the foreground job (every process of the pipeline) but not
 * the interactive shell itself; interrupt() does the same: SIGINT to every process of the
 * group except the `sh` that runs the line, which then exits with the job's status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A folder with an executable `hookctl` that runs `node <root>/bin/hookctl.js "$@"`. */
export function hookctlShim(dir: string, root: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hookctl');
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${join(root, 'bin', 'hookctl.js')}' "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}

export interface ShellResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Every shell started here, so a failing test never leaves one behind (see killAll). */
const groups = new Set<number>();

export class Shell {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<ShellResult>;
  private done = false;

  constructor(readonly command: string, options: ShellOptions) {
    this.child = spawn('sh', ['-c', command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = this.child.pid!;
    groups.add(pid);
    this.child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      this.listeners.forEach((l) => l());
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.err += d.toString('utf8');
      this.listeners.forEach((l) => l());
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        this.done = true;
        groups.delete(pid);
        killGroup(pid); // whatever the line left running in its group
        this.listeners.forEach((l) => l());
        resolve({ code, signal, stdout: this.out, stderr: this.err });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** Resolves once stdout + stderr match, rejects when the shell exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = `${this.out}\n${this.err}`.match(pattern);
        if (m) {
          cleanup();
          resolve(m);
        } else if (this.done) {
          cleanup();
          reject(new Error(`\`${this.command}\` exited before ${pattern} appeared.\nstdout:\n${this.out}\nstderr:\n${this.err}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from \`${this.command}\`.\nstdout:\n${this.out}\nstderr:\n${this.err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /**
   * Ctrl+C: SIGINT to the job's processes (all of the group but the shell, or only those whose
   * command line matches `only`), then wait for the shell's exit; SIGKILL after `timeoutMs`.
   */
  async interrupt(options: { only?: RegExp; timeoutMs?: number } = {}): Promise<ShellResult & { timedOut: boolean }> {
    const targets = groupMembers(this.pid).filter((p) => p.pid !== this.pid && (!options.only || options.only.test(p.cmdline)));
    for (const p of targets) {
      try {
        process.kill(p.pid, 'SIGINT');
      } catch {
        /* already gone */
      }
    }
    return this.waitExit(options.timeoutMs ?? 10_000);
  }

  /** The exit, or SIGKILL of the whole group after `timeoutMs` (timedOut: true). */
  async waitExit(timeoutMs: number): Promise<ShellResult & { timedOut: boolean }> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(this.pid);
    }, timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return { ...result, timedOut };
  }

  kill(): void {
    killGroup(this.pid);
  }
}

/** Run a line to its end (SIGKILL of its group after timeoutMs). */
export async function runShell(command: string, options: ShellOptions & { timeoutMs?: number }): Promise<ShellResult & { timedOut: boolean }> {
  return new Shell(command, options).waitExit(options.timeoutMs ?? 20_000);
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* the group is empty */
  }
}

/** SIGKILL every group a Shell started that has not ended (for afterAll). */
export function killAll(): void {
  for (const pgid of groups) killGroup(pgid);
  groups.clear();
}

/** The processes whose process group is `pgid`, with their command lines (from /proc). */
export function groupMembers(pgid: number): { pid: number; cmdline: string }[] {
  const members: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may contain spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      members.push({ pid: Number(entry), cmdline });
    } catch {
      /* the process ended meanwhile */
    }
  }
  return members;
}

/** A gate that lets at most `n` tasks run at once (the others wait their turn, in order). */
export function concurrencyLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finished task hands over its place
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
