/**
 * What the project file can set: one table from file keys to the options commander declares.
 * The file key is the option's attribute name (`forwardTo` for --forward-to), except
 * `secretEnv`, which names the variable holding --secret's value. A section per command holds
 * that command's keys; the top-level keys (SHARED) apply to every command that has the option.
 * schemas/hookctl-config.schema.json describes the same keys (a test keeps the two equal).
 */
import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '../duration.js';

/** How a file value becomes the option value commander would have produced from flags. */
export type Kind = 'string' | 'port' | 'boolean' | 'events' | 'routes' | 'secretEnv' | 'path' | 'id' | 'duration';

export interface Setting {
  /** The option's attribute name (commander's `attributeName()`). */
  option: string;
  kind: Kind;
  /** Environment variables that set the same thing: any of them set wins over the file. */
  env?: string[];
}

export const SETTINGS: Record<string, Setting> = {
  port: { option: 'port', kind: 'port' },
  host: { option: 'host', kind: 'string' },
  path: { option: 'path', kind: 'string' },
  forwardTo: { option: 'forwardTo', kind: 'routes' },
  events: { option: 'events', kind: 'events' },
  store: { option: 'store', kind: 'path' },
  inspectPort: { option: 'inspectPort', kind: 'port' },
  inspect: { option: 'inspect', kind: 'boolean' },
  tunnel: { option: 'tunnel', kind: 'boolean' },
  register: { option: 'register', kind: 'string' },
  registerApp: { option: 'registerApp', kind: 'boolean' },
  appId: { option: 'appId', kind: 'id', env: ['GITHUB_APP_ID'] },
  privateKey: { option: 'privateKey', kind: 'path', env: ['GITHUB_APP_PRIVATE_KEY_PATH', 'GITHUB_APP_PRIVATE_KEY'] },
  keepActive: { option: 'keepActive', kind: 'boolean' },
  catchUp: { option: 'catchUp', kind: 'boolean' },
  cloudflared: { option: 'cloudflared', kind: 'path', env: ['CLOUDFLARED_BIN'] },
  apiUrl: { option: 'apiUrl', kind: 'string', env: ['GITHUB_API_URL'] },
  secretEnv: { option: 'secret', kind: 'secretEnv', env: ['HOOKCTL_SECRET', 'GITHUB_WEBHOOK_SECRET'] },
  to: { option: 'to', kind: 'string', env: ['HOOKCTL_URL'] },
  contentType: { option: 'contentType', kind: 'string' },
  url: { option: 'url', kind: 'string' },
  forwardTimeout: { option: 'forwardTimeout', kind: 'duration' },
  timeout: { option: 'timeout', kind: 'duration' },
};

/** Keys allowed at the top level: they apply to every command that has the option. */
export const SHARED = ['secretEnv', 'store', 'apiUrl'];

/** The command sections and their keys. */
export const SECTIONS: Record<string, string[]> = {
  listen: ['port', 'host', 'path', 'forwardTo', 'events', 'secretEnv', 'store', 'inspectPort', 'inspect', 'tunnel', 'register', 'registerApp', 'appId', 'privateKey', 'keepActive', 'catchUp', 'cloudflared', 'apiUrl', 'forwardTimeout'],
  send: ['to', 'secretEnv', 'contentType', 'timeout'],
  replay: ['to', 'secretEnv', 'store', 'timeout'],
  register: ['events', 'contentType', 'secretEnv', 'url', 'apiUrl'],
  tunnel: ['port', 'path', 'register', 'events', 'secretEnv', 'keepActive', 'cloudflared', 'apiUrl'],
};

/** The file keys for a command (its section's, then the shared ones it does not repeat), with the section's name. */
export function keysFor(commandPath: string): { section: string | undefined; keys: string[] } {
  const section = SECTIONS[commandPath] ? commandPath : undefined;
  const own = section ? SECTIONS[section] : [];
  return { section, keys: [...own, ...SHARED.filter((k) => !own.includes(k))] };
}

/** A file value as the option value the flags would give (paths relative to the file's folder). */
export function toOption(kind: Kind, value: unknown, dir: string): unknown {
  switch (kind) {
    case 'events':
      return Array.isArray(value) ? value.join(',') : value;
    case 'routes':
      return routesToFlags(value);
    case 'path':
      return isAbsolute(value as string) ? value : resolve(dir, value as string);
    case 'id':
      return String(value);
    case 'duration':
      return parseDuration(String(value));
    default:
      return value;
  }
}

/** forwardTo: a URL, a list of them, or {"EVENT": URL or [URL…], "*": catch-all} → --forward-to values. */
function routesToFlags(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value as string[];
  const flags: string[] = [];
  for (const [event, urls] of Object.entries(value as Record<string, string | string[]>)) {
    for (const url of Array.isArray(urls) ? urls : [urls]) flags.push(event === '*' ? url : `${event}=${url}`);
  }
  return flags;
}

/** The other way, for `config --init`: what flags gave, as the file writes it. */
export function toFile(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'events':
      return String(value).split(',').map((e) => e.trim()).filter(Boolean);
    case 'id':
      return /^\d+$/.test(String(value)) ? Number(value) : value;
    case 'duration':
      return `${String(value)}ms`;
    case 'routes': {
      const flags = value as string[];
      const routed = flags.map((flag) => /^([A-Za-z0-9_.,*-]+)=(.+)$/.exec(flag)).map((m, i) => (m && !/^https?:/i.test(flags[i]) ? [m[1], m[2]] : ['*', flags[i]]));
      if (routed.every(([event]) => event === '*')) return flags.length === 1 ? flags[0] : flags;
      const out: Record<string, string | string[]> = {};
      for (const [event, url] of routed) {
        const had = out[event];
        out[event] = had === undefined ? url : [...(Array.isArray(had) ? had : [had]), url];
      }
      return out;
    }
    default:
      return value;
  }
}
