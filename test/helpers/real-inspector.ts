/**
 * The real inspector of the built CLI: start `hookctl listen` (or `hookctl inspect`) in a
 * sandbox and read both URLs from stderr, call its API over node:http with exactly the
 * headers given (Host included, so tests can lie) and the access token's cookie a browser
 * holds once it opened the printed URL, read its live stream, and list the ports
 * a process listens on (from /proc: what it really bound, not what it printed).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { startCli, type LongRunning } from './run-cli.js';

export interface RunningListen {
  cli: LongRunning;
  /** Where deliveries are POSTed, e.g. http://127.0.0.1:PORT/ */
  listenUrl: string;
  listenPort: number;
  inspector: InspectorClient;
}

/** `hookctl listen --port 0 ARGS…` (pass --inspect-port 0 to keep off 4141); waits for both lines. */
export async function startListen(env: NodeJS.ProcessEnv, args: string[]): Promise<RunningListen> {
  const cli = startCli(['listen', '--port', '0', ...args], { env });
  try {
    const listening = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/);
    const inspectorLine = await cli.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[0-9a-f]{64})/);
    return { cli, listenUrl: listening[1], listenPort: Number(listening[2]), inspector: new InspectorClient(inspectorLine[1]) };
  } catch (error) {
    await cli.stop('SIGKILL');
    throw error;
  }
}

/** `hookctl inspect ARGS…`; waits for its Inspector line. */
export async function startInspect(env: NodeJS.ProcessEnv, args: string[]): Promise<{ cli: LongRunning; inspector: InspectorClient }> {
  const cli = startCli(['inspect', ...args], { env });
  try {
    const line = await cli.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[0-9a-f]{64})/);
    return { cli, inspector: new InspectorClient(line[1]) };
  } catch (error) {
    await cli.stop('SIGKILL');
    throw error;
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: any;
}

/** One request over node:http (no pooling), with exactly these headers. */
export function httpCall(url: string, method: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        let json: any = undefined;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * The inspector's API as the page uses it: its Host, its Origin, the access token's cookie
 * (from the printed URL's `?token=`), and the CSRF token from the page's meta tag.
 */
export class InspectorClient {
  readonly port: number;
  readonly origin: string;
  /** The access token of the printed URL. */
  readonly accessToken: string;
  private tokenValue: string | null = null;

  /** `url`: as listen or inspect printed it, `?token=` included. */
  constructor(readonly url: string) {
    const parsed = new URL(url);
    this.port = Number(parsed.port);
    this.origin = parsed.origin;
    const token = parsed.searchParams.get('token');
    if (!token) throw new Error(`the inspector's URL has no ?token=: ${url}`);
    this.accessToken = token;
  }

  /** The Cookie header a browser sends once it opened the printed URL. */
  get cookie(): string {
    return `hookctl-inspector-${this.port}=${this.accessToken}`;
  }

  /** A request with the Host and the cookie a browser would send, and these headers on top (`Cookie: ''`: none). */
  call(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
    const headers: Record<string, string> = { Host: `127.0.0.1:${this.port}`, Cookie: this.cookie, ...options.headers };
    if (headers.Cookie === '') delete headers.Cookie;
    return httpCall(new URL(path, this.origin).toString(), method, { ...options, headers });
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.call('GET', path, { headers });
  }

  /** The per-process token, read from the page as the browser would. */
  async token(): Promise<string> {
    if (this.tokenValue) return this.tokenValue;
    const page = await this.get('/');
    const m = /<meta name="hookctl-token" content="([^"]*)">/.exec(page.text);
    if (!m) throw new Error(`no token in the page:\n${page.text.slice(0, 500)}`);
    this.tokenValue = m[1];
    return m[1];
  }

  /** A same-origin state-changing call with the page's token (as the page sends it). */
  async send(method: 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.call(method, path, {
      headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': await this.token(), Origin: this.origin, 'Sec-Fetch-Site': 'same-origin', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Every page of GET /api/deliveries?QUERY, following `next`. */
  async listAll(query = '', limit = 200): Promise<{ deliveries: any[]; pages: number }> {
    const deliveries: any[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', String(limit));
      if (next) params.set('cursor', next);
      const page = await this.get(`/api/deliveries?${params}`);
      if (page.status !== 200) throw new Error(`GET /api/deliveries?${params} → ${page.status} ${page.text}`);
      deliveries.push(...page.json.deliveries);
      next = page.json.next;
      pages += 1;
      if (pages > 1000) throw new Error('more than 1,000 pages: the cursor does not advance');
    } while (next);
    return { deliveries, pages };
  }
}

export interface StreamEvent {
  type: string;
  data: any;
  /** Date.now() when the frame arrived. */
  at: number;
}

export interface EventStream {
  events: StreamEvent[];
  /** Resolves with the first event (already received or to come) that matches. */
  waitFor(match: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}

/** Open GET /api/stream[?filters] and parse its Server-Sent Events; resolves once the stream is open. */
export function openEventStream(inspector: InspectorClient, query = ''): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const waiters = new Set<() => void>();
    const req = httpRequest({ host: '127.0.0.1', port: inspector.port, path: `/api/stream${query}`, headers: { Host: `127.0.0.1:${inspector.port}`, Cookie: inspector.cookie }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /api/stream → ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const frames = buffer.split('\n\n');
        buffer = frames.pop()!;
        for (const frame of frames) {
          const type = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data), at: Date.now() });
        }
        waiters.forEach((waiter) => waiter());
      });
      res.on('error', () => undefined);
      resolve({
        events,
        waitFor(match, timeoutMs = 5000) {
          return new Promise((resolveEvent, rejectEvent) => {
            const check = () => {
              const found = events.find(match);
              if (!found) return;
              waiters.delete(check);
              clearTimeout(timer);
              resolveEvent(found);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rejectEvent(new Error(`no matching event on /api/stream in ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ') || 'none'}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

/** The TCP ports `pid` listens on, with their local address ("127.0.0.1", "0.0.0.0", "::"…). */
export function listeningPorts(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const found: { address: string; port: number }[] = [];
  for (const [table, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      // local_address rem_address st … inode; st 0A = LISTEN
      if (cols[3] !== '0A' || !inodes.has(cols[9])) continue;
      const [hexAddress, hexPort] = cols[1].split(':');
      found.push({ address: v6 ? hexAddress : ipv4(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return found.sort((a, b) => a.port - b.port);
}

function ipv4(hex: string): string {
  // /proc/net/tcp prints the address as a little-endian 32-bit number.
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}
