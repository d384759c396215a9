/**
 * The "world" documentation examples run in: the user's app on localhost, a working folder with
 * the files examples name, a HOME whose hookctl store holds the deliveries the examples refer
 * to, and the environment a user of the README would have. Every port is one the system gave
 * (port 0), never the README's 5000 or 3000, so two suites can run side by side.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/core/store/store.js';

export interface AppRequest {
  host: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface UserApp {
  /** The port it listens on, on 127.0.0.1 and ::1 alike. */
  port: number;
  requests: AppRequest[];
  close(): Promise<void>;
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * "Your app" at http://localhost:PORT: it answers 202 to everything and records what came.
 * It listens on 127.0.0.1 and ::1 because `localhost` may resolve to either: port 0 on
 * 127.0.0.1, then the same port on ::1 (another one when that is taken there).
 */
export async function startUserApp(): Promise<UserApp> {
  const requests: AppRequest[] = [];
  const server = (host: string) =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ host, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202, { 'content-type': 'text/plain' });
        res.end('accepted');
      });
    });
  for (let attempt = 1; ; attempt++) {
    const v4 = server('127.0.0.1');
    const port = await listenOn(v4, 0, '127.0.0.1');
    const v6 = server('::1');
    try {
      await listenOn(v6, port, '::1');
    } catch (err) {
      await closeServer(v4);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 10) continue;
      throw err;
    }
    return { port, requests, close: async () => void (await Promise.all([closeServer(v4), closeServer(v6)])) };
  }
}

/** A port nothing listens on: one the system just gave and took back. */
export async function closedPort(): Promise<number> {
  const probe = createNetServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface AppKey {
  privatePem: string;
  publicKey: KeyObject;
}

export function rsaKey(): AppKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKey };
}

/** Where the default store lives for a HOME with neither XDG_DATA_HOME nor HOOKCTL_HOME set. */
export function defaultStore(home: string): string {
  return join(home, '.local', 'share', 'hookctl', 'deliveries.db');
}

/** A consistent copy of a store that another process may be writing (SQLite's online backup). */
export async function snapshotStore(from: string, to: string): Promise<void> {
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  const db = new Database(from, { readonly: true });
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

/** A copy of `from` without the deliveries whose local ids are in `without`. */
export function deriveStore(from: string, to: string, without: string[]): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  copyFileSync(from, to);
  if (without.length === 0) return;
  const store = openStore(to);
  try {
    if (store.remove(without) !== without.length) throw new Error(`deriveStore: not every one of ${without.join(', ')} was in ${from}`);
  } finally {
    store.close();
  }
}

export interface WorldFiles {
  /** name → content, written into the working folder. */
  files: Record<string, string>;
  /** name → target, symlinked into the working folder (e.g. payloads → the repository's payloads/). */
  links: Record<string, string>;
  /** The store to put at HOME's default store path and at ./deliveries.db (none: no store yet). */
  store?: string;
}

export interface World {
  dir: string;
  home: string;
  /** The working folder examples run in. */
  work: string;
  /** The default store (~/.local/share/hookctl/deliveries.db). */
  store: string;
  cleanup(): void;
}

/** A fresh folder: HOME, the working folder with its files, and a copy of the store. */
export function makeWorld(spec: WorldFiles): World {
  const dir = mkdtempSync(join(tmpdir(), 'hookctl-examples-'));
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(work);
  for (const [name, content] of Object.entries(spec.files)) writeFileSync(join(work, name), content, { mode: name.endsWith('.pem') ? 0o600 : 0o644 });
  for (const [name, target] of Object.entries(spec.links)) symlinkSync(target, join(work, name));
  const store = defaultStore(home);
  if (spec.store) {
    mkdirSync(dirname(store), { recursive: true, mode: 0o700 });
    copyFileSync(spec.store, store);
    copyFileSync(spec.store, join(work, 'deliveries.db'));
  }
  return { dir, home, work, store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The pretty JSON of a catalog sample, changed by `edit`. */
export function editedSample(root: string, relativePath: string, edit: (payload: any) => void): string {
  const payload = JSON.parse(readFileSync(join(root, relativePath), 'utf8'));
  edit(payload);
  return JSON.stringify(payload, null, 2) + '\n';
}
