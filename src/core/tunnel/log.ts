/**
 * cloudflared's log lines (`2024-07-09T08:18:43Z INF Registered tunnel connection connIndex=0 …`):
 * the quick tunnel's URL, edge connections registered and lost, errors.
 */

export interface EdgeConnection {
  connIndex: number;
  id: string;
  ip: string;
  location: string;
  protocol: string;
}

export type LogEvent =
  | { kind: 'url'; url: string }
  | { kind: 'registered'; connection: EdgeConnection }
  | { kind: 'unregistered'; connIndex: number }
  | { kind: 'error'; message: string }
  | { kind: 'other' };

const URL_RE = /https:\/\/[a-z0-9][a-z0-9-]*\.trycloudflare\.com\b/i;
const REGISTERED_RE = /Registered tunnel connection\b/;
const LEVEL_RE = /^\S+\s+(INF|WRN|ERR|DBG|FTL)\s+(.*)$/;

function field(line: string, name: string): string {
  const m = line.match(new RegExp(`\\b${name}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`));
  if (!m) return '';
  return m[1].startsWith('"') ? m[1].slice(1, -1) : m[1];
}

/** One cloudflared log line (`2024-07-09T08:18:43Z INF Registered tunnel connection connIndex=0 …`). */
export function parseLogLine(line: string): LogEvent {
  const url = line.match(URL_RE);
  // The quick-tunnel URL is printed inside the box; api.trycloudflare.com only shows up in errors.
  if (url && !/api\.trycloudflare\.com/i.test(url[0]) && line.includes('|')) return { kind: 'url', url: url[0].toLowerCase() };
  if (REGISTERED_RE.test(line)) {
    return {
      kind: 'registered',
      connection: {
        connIndex: Number(field(line, 'connIndex') || 0),
        id: field(line, 'connection'),
        ip: field(line, 'ip'),
        location: field(line, 'location'),
        protocol: field(line, 'protocol'),
      },
    };
  }
  if (/Unregistered tunnel connection/.test(line)) return { kind: 'unregistered', connIndex: Number(field(line, 'connIndex') || 0) };
  const level = line.match(LEVEL_RE);
  if (level && (level[1] === 'ERR' || level[1] === 'FTL')) return { kind: 'error', message: level[2] };
  return { kind: 'other' };
}

