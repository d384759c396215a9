/**
 * Reading a project file that discovery found: JSON only (no code runs), never a secret, and
 * valid against schemas/hookctl-config.schema.json, checked with ajv (loaded only here, so a
 * run without a project file never pays for it). Every problem is reported with the file, the
 * line, the setting's path and, for an unknown key, the closest known one. Exit 2.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { UsageError } from '../errors.js';
import type { FoundFile } from './found.js';
import { jsonLines, lineAt } from './lines.js';

export interface ProjectFile {
  /** Absolute path. */
  file: string;
  /** The path as shown to the user (shownPath). */
  shown: string;
  /** Its folder: relative paths in it (store, privateKey, cloudflared) are relative to this. */
  dir: string;
  via: FoundFile['via'];
  /** The validated settings (package.json's "hookctl" value, or the whole hookctl.json). */
  settings: Settings;
  /** "hookctl.json:7" for a JSON pointer into the settings. */
  where(pointer: string): string;
}

type Settings = Record<string, unknown> & { [section: string]: unknown };

const SECRET_KEYS = /^(secrets?|webhook_?secret|token|github_?token|gh_?token|password|passwd|private_?key_?pem)$/i;
const SECRET_VALUE = /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export async function loadProjectFile(found: FoundFile, cwd: string): Promise<ProjectFile> {
  const shown = shownPath(cwd, found.file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(found.text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    throw new UsageError(`${shown}${at ? `:${lineAt(found.text, Number(at[1]))}` : ''}: not valid JSON: ${message}`, ['The project file is plain JSON: no comments, no trailing commas.']);
  }
  const prefix = found.key ? `/${found.key}` : '';
  const settings = found.key ? (parsed as Record<string, unknown>)[found.key] : parsed;
  const lines = jsonLines(found.text);
  const where = (pointer: string) => {
    for (let p = prefix + pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const line = lines.get(p);
      if (line !== undefined) return `${shown}:${line}`;
      if (p === '') return shown;
    }
  };
  const problems = [...literalSecrets(settings, '', where), ...(await schemaProblems(settings, where))];
  if (problems.length > 0) {
    const [first, ...rest] = problems;
    throw new UsageError(first.message, [...rest.map((p) => p.message), ...new Set(problems.flatMap((p) => (p.hint ? [`  ${p.hint}`] : [])))]);
  }
  return { file: found.file, shown, dir: dirname(found.file), via: found.via, settings: settings as Settings, where };
}

/** A path as the user sees it: relative to the current folder when it is below it, else absolute. */
export function shownPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

interface Problem {
  message: string;
  hint?: string;
}

const dotted = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `${i ? '.' : ''}${part}` : `[${JSON.stringify(part)}]`))
    .join('') || '(the file)';

/** A secret, a token or a private key written into the file (committed with the app): refused, with the fix. */
function literalSecrets(value: unknown, pointer: string, where: (p: string) => string): Problem[] {
  if (typeof value === 'string') {
    return SECRET_VALUE.test(value)
      ? [{ message: `${where(pointer)}: ${dotted(pointer)} holds a token or a private key; the project file is committed with your app and never holds one`, hint: 'Keep it in an environment variable (GITHUB_TOKEN, or a .pem file outside the repository for an App key).' }]
      : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (SECRET_KEYS.test(key) && typeof item === 'string') {
      return [{
        message: `${where(at)}: ${dotted(at)}: the project file never holds a secret (it is committed with your app)`,
        hint: 'Put the secret in an environment variable and name the variable instead: "secretEnv": "MY_APP_WEBHOOK_SECRET".',
      }];
    }
    return literalSecrets(item, at, where);
  });
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { properties?: Record<string, unknown>; description?: string; pattern?: string };
}
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let validator: Promise<Validate> | undefined;

/** The shipped schema, compiled once: the same file editors read through "$schema". */
function compile(): Promise<Validate> {
  return (validator ??= (async () => {
    const { default: Ajv } = (await import('ajv')) as unknown as { default: new (options: object) => { compile(schema: object): Validate } };
    const schema = JSON.parse(readFileSync(new URL('../../schemas/hookctl-config.schema.json', import.meta.url), 'utf8')) as object;
    return new Ajv({ allErrors: true, verbose: true, strict: false }).compile(schema);
  })());
}

async function schemaProblems(settings: unknown, where: (p: string) => string): Promise<Problem[]> {
  const validate = await compile();
  if (validate(settings)) return [];
  const errors = validate.errors ?? [];
  // An anyOf explains itself once: drop what its branches said at or below its path.
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const kept = errors.filter((e) => e.keyword === 'anyOf' || !anyOfs.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)));
  const seen = new Set<string>();
  return kept.flatMap((e) => {
    const problem = describe(e, where);
    if (!problem || seen.has(problem.message)) return [];
    seen.add(problem.message);
    return [problem];
  });
}

function describe(e: AjvError, where: (p: string) => string): Problem | undefined {
  const at = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      if (SECRET_KEYS.test(key)) return undefined; // said once, with its fix, by literalSecrets
      const pointer = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const known = Object.keys(e.parentSchema?.properties ?? {}).filter((k) => k !== '$schema');
      const match = closest(key, known);
      const scope = at ? `a setting of ${dotted(at)}` : 'a section or a shared setting';
      return {
        message: `${where(pointer)}: ${dotted(pointer)} is not ${scope}${match ? `; did you mean "${match}"?` : ''}`,
        hint: match ? undefined : `Known here: ${known.join(', ')}.`,
      };
    }
    case 'pattern':
      if (at.endsWith('/secretEnv')) {
        return { message: `${where(at)}: ${dotted(at)} must be the name of an environment variable (e.g. "MY_APP_WEBHOOK_SECRET"), not the secret itself` };
      }
      return { message: `${where(at)}: ${dotted(at)} must match ${String(e.params.pattern)}${e.parentSchema?.description ? ` (${e.parentSchema.description})` : ''}` };
    case 'enum':
      return { message: `${where(at)}: ${dotted(at)} must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'anyOf':
      return { message: `${where(at)}: ${dotted(at)} has the wrong shape: ${e.parentSchema?.description ?? e.message}` };
    default:
      return { message: `${where(at)}: ${dotted(at)} ${e.message ?? 'is not valid'}` };
  }
}

/** The known key nearest to a mistyped one: the same letters in another case or separator first, then a small edit distance. */
export function closest(key: string, known: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = known.find((k) => norm(k) === norm(key));
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = distance(norm(key), norm(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
