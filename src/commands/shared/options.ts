/**
 * Options several commands share, declared once (one name, one help text, one parser each),
 * and the value parsers behind them: a flag several commands take is parsed by one parser here.
 * Loaded with commander by each command's declaration (commands/*.command.ts).
 */
import { Option as CommanderOption } from 'commander';
import type { Option } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.js';
import { parseDuration } from '../../duration.js';

/**
 * An option whose value type @commander-js/extra-typings infers from its flags and parsers. At
 * run time it is commander's own Option: extra-typings' classes are commander's, re-exported
 * (its index.js), so only its types are imported and start-up loads commander alone.
 */
export const option = <Usage extends string>(flags: Usage, description?: string): Option<Usage> => new CommanderOption(flags, description) as unknown as Option<Usage>;

/** Repeatable: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Not repeatable: a second value is a usage error rather than silently the one kept. */
export function once(flag: string) {
  return (value: string, previous: unknown) => {
    if (previous !== undefined) throw new UsageError(`${flag} was given twice; give it once`);
    return value;
  };
}

export function int(name: string, min = 0) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new UsageError(`${name} must be a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${value}"`);
    }
    return Number(value);
  };
}

export function port(flag = '--port') {
  return (value: string): number => {
    const n = int(flag)(value);
    if (n > 65535) throw new UsageError(`${flag} must be between 0 and 65535, got ${value}`);
    return n;
  };
}

/** A duration: `10s`, `500ms`, `2m`, or seconds (`10`); in milliseconds, at most an hour. */
export function duration(flag: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (!(ms >= 1 && ms <= 3_600_000)) throw new UsageError(`${flag} must be a duration from 1ms to 60m (e.g. 10s, 500ms, 2m), got "${value}"`);
    return ms;
  };
}

/** A hook id (--hook-id, or `hooks delete`/`ping`'s positional): a positive whole number. */
export function parseHookId(value: string | number | undefined, what = 'hook id'): number {
  const text = String(value ?? '').trim();
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0) {
    throw new UsageError(`expected a ${what} (a whole number, see \`hookctl hooks list OWNER/REPO\`), got "${text}"`);
  }
  return id;
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/**
 * --secret: repeatable only where several secrets mean something (listen and verify accept any
 * of them, for a rotation); elsewhere a second one is a usage error, not silently ignored.
 * Either way the value is a list.
 */
export const secretOption = (what = 'webhook secret', options: { rotation?: boolean } = {}) =>
  options.rotation
    ? option('-s, --secret <secret>', `${what} (repeatable for a rotation; default $HOOKCTL_SECRET, then $GITHUB_WEBHOOK_SECRET)`).argParser(collect)
    : option('-s, --secret <secret>', `${what} (default $HOOKCTL_SECRET, then $GITHUB_WEBHOOK_SECRET)`).argParser((value: string, previous: string[] | undefined): string[] => {
        if (previous !== undefined) throw new UsageError('--secret was given twice; give it once (only listen and verify take several, for a rotation)');
        return [value];
      });
export const apiUrlOption = () => option('--api-url <url>', 'GitHub REST API base URL (default $GITHUB_API_URL, then https://api.github.com)');
export const storeOption = () => option('--store <file>', 'delivery store (default $HOOKCTL_HOME/deliveries.db)');
export const cloudflaredOption = () =>
  option('--cloudflared <path>', 'cloudflared binary (default $CLOUDFLARED_BIN, then the cloudflared npm package\'s, then one hookctl downloaded to $HOOKCTL_HOME/bin, then PATH)');
export const contentTypeOption = () => option('--content-type <type>', 'body encoding').choices(['json', 'form'] as const).default('json' as const);
export const jsonOption = (what = 'print JSON') => option('--json', what);
export const yesOption = (help = 'do not ask first') => option('-y, --yes', help);
export const verboseOption = () => option('-v, --verbose', 'print a line for every delivery, not only the failures');
export const setOption = () => option('--set <path=value>', 'set a field, JSON-typed (repeatable): --set pull_request.draft=true').argParser(collect);
export const appIdOption = () => option('--app-id <id>', 'the GitHub App\'s ID (default $GITHUB_APP_ID)');
/** --hook-id: the same parser wherever it is taken (send, replay --from-github, deliveries pull). */
export const hookIdOption = (help: string) => option('--hook-id <id>', help).argParser((value: string) => parseHookId(value, '--hook-id'));
export const privateKeyOption = () => option('--private-key <file>', 'the App\'s private key, a .pem file (default $GITHUB_APP_PRIVATE_KEY_PATH, or the PEM text in $GITHUB_APP_PRIVATE_KEY)');
