/**
 * Every prompt goes through here, on ctx.io's streams (so tests and pipes see them), and only
 * after io.canPrompt() said yes: callers check first and otherwise raise a usage error that
 * names the flag to pass.
 */
import type { IO } from './io.js';

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
