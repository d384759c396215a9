/**
 * Options several commands share, declared once (one name, one help text, one parser each),
 * and the value parsers behind them. Loaded with commander by cli.ts.
 */
import { Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { BodyKind } from '../../core/webhook/types.js';
import { parseDuration } from '../../duration.js';

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
    ? new Option('-s, --secret <secret>', `${what} (repeatable for a rotation; default $HOOKCTL_SECRET, then $GITHUB_WEBHOOK_SECRET)`).argParser(collect)
    : new Option('-s, --secret <secret>', `${what} (default $HOOKCTL_SECRET, then $GITHUB_WEBHOOK_SECRET)`).argParser((value: string, previous: string[] | undefined) => {
        if (previous !== undefined) throw new UsageError('--secret was given twice; give it once (only listen and verify take several, for a rotation)');
        return [value];
      });
export const apiUrlOption = () => new Option('--api-url <url>', 'GitHub REST API base URL (default $GITHUB_API_URL, then https://api.github.com)');
export const storeOption = () => new Option('--store <file>', 'delivery store (default $HOOKCTL_HOME/deliveries.db)');
export const cloudflaredOption = () =>
  new Option('--cloudflared <path>', 'cloudflared binary (default $CLOUDFLARED_BIN, then the cloudflared npm package\'s, then one hookctl downloaded to $HOOKCTL_HOME/bin, then PATH)');
export const contentTypeOption = () => new Option('--content-type <type>', 'body encoding').choices(['json', 'form']).default('json');
export const jsonOption = (what = 'print JSON') => new Option('--json', what);
export const yesOption = (help = 'do not ask first') => new Option('-y, --yes', help);
export const verboseOption = () => new Option('-v, --verbose', 'print a line for every delivery, not only the failures');
export const setOption = () => new Option('--set <path=value>', 'set a field, JSON-typed (repeatable): --set pull_request.draft=true').argParser(collect);
export const appIdOption = () => new Option('--app-id <id>', 'the GitHub App\'s ID (default $GITHUB_APP_ID)');
export const privateKeyOption = () => new Option('--private-key <file>', 'the App\'s private key, a .pem file (default $GITHUB_APP_PRIVATE_KEY_PATH, or the PEM text in $GITHUB_APP_PRIVATE_KEY)');

/** `hookctl register`'s options: a repository's or organization's hook, or (--app) a GitHub App's webhook (register-app.ts). */
export interface RegisterOptions {
  org?: string;
  url?: string;
  events?: string;
  secret?: string[];
  contentType?: BodyKind;
  insecureSsl?: boolean;
  inactive?: boolean;
  ping?: boolean;
  apiUrl?: string;
  json?: boolean;
  app?: boolean;
  appId?: string;
  privateKey?: string;
  restore?: boolean;
}
