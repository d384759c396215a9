/**
 * Every prompt goes through here, on ctx.io's streams (so tests and pipes see them), and only
 * after io.canPrompt() said yes: callers check first and otherwise raise a usage error that
 * names the flag to pass.
 */
import { HookctlError } from '../errors.js';
import type { IO } from './io.js';
import { childEnv } from '../env.js';

type Prompts = typeof import('@inquirer/prompts');

async function prompts(): Promise<Prompts> {
  return import('@inquirer/prompts');
}

function streams(io: IO) {
  return { input: io.streams.stdin, output: io.streams.stderr };
}

export async function confirm(io: IO, message: string, defaultValue = true): Promise<boolean> {
  return (await prompts()).confirm({ message, default: defaultValue }, streams(io));
}

export async function password(io: IO, message: string, required = 'a value is required'): Promise<string> {
  const value = await (await prompts()).password({ message, validate: (v) => (v.trim() ? true : required) }, streams(io));
  return value.trim();
}

export async function input(io: IO, message: string, validate?: (value: string) => true | string): Promise<string> {
  return (await (await prompts()).input({ message, validate }, streams(io))).trim();
}

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
  checked?: boolean;
}

export async function select<T>(io: IO, message: string, choices: Choice<T>[]): Promise<T> {
  return (await prompts()).select<T>({ message, choices }, streams(io));
}

export async function checkbox<T>(io: IO, message: string, choices: Choice<T>[], pageSize = 16): Promise<T[]> {
  return (await prompts()).checkbox<T>({ message, choices, required: true, pageSize }, streams(io));
}

/** A searchable list: `source(term)` gives the choices for what was typed. */
export async function search<T>(io: IO, message: string, source: (term: string) => Choice<T>[]): Promise<T> {
  return (await prompts()).search<T>({ message, source: (term) => source(term ?? '') }, streams(io));
}

/** A private temporary file to edit, possibly several times (the same path each time). */
export interface EditFile {
  /** Where the text is: 0600 in a 0700 folder of its own. */
  readonly path: string;
  /** Write `text`, open the editor on it, return what was saved. */
  edit(text: string): Promise<string>;
  /** Remove the file and its folder (unless kept). */
  remove(): void;
}

/** Open $VISUAL or $EDITOR (else vi; notepad on Windows) on a private temporary file named `name`. */
export async function editFile(io: IO, name: string): Promise<EditFile> {
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const editor = io.env.VISUAL || io.env.EDITOR || (process.platform === 'win32' ? 'notepad' : 'vi');
  const dir = mkdtempSync(join(tmpdir(), 'hookctl-edit-'));
  const file = join(dir, name);
  return {
    path: file,
    async edit(text) {
      writeFileSync(file, text, { mode: 0o600 });
      // The editor command may carry arguments ("code --wait"): a shell splits it.
      const result =
        process.platform === 'win32'
          ? spawnSync(`${editor} "${file}"`, { stdio: 'inherit', shell: true, env: childEnv(io.env) })
          : spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'hookctl-edit', file], { stdio: 'inherit', env: childEnv(io.env) });
      if (result.error || result.status !== 0) {
        throw new HookctlError(`the editor (${editor}) ${result.error ? `could not run: ${result.error.message}` : `exited with ${result.status}`}; nothing was sent`);
      }
      return readFileSync(file, 'utf8');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
