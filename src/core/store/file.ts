/**
 * The store's file on disk: its folder (created 0700, level by level, refusing a parent that
 * cannot hold it), its mode (0600: payloads may be private; SQLite gives the -wal and -shm
 * files the database's mode), and whether the path still names the file SQLite has open (a
 * store removed or replaced while listening must never be answered 200 for).
 */
import { accessSync, chmodSync, closeSync, constants as fsConstants, fstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './writer.js';

const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

const HINT = 'Choose another file with --store FILE, or set HOOKCTL_HOME.';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * Create the folder of `file` level by level (mode 0700), after checking that its nearest
 * existing ancestor is a writable folder. (Node's recursive mkdir loops forever under /proc.)
 */
export function prepareFolder(file: string): void {
  const missing: string[] = [];
  let dir = dirname(file);
  let stats = statOrNull(dir);
  while (!stats) {
    missing.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
    stats = statOrNull(dir);
  }
  if (stats && !stats.isDirectory()) throw new StoreError(`cannot keep the delivery store at ${file}: ${dir} is not a folder`, [HINT]);
  if (missing.length === 0) return;
  try {
    accessSync(dir, fsConstants.W_OK);
    for (const level of missing) mkdirSync(level, { mode: FOLDER_MODE });
  } catch (err) {
    throw new StoreError(`cannot create the folder ${missing[missing.length - 1]} for the delivery store: ${(err as Error).message}`, [HINT]);
  }
}

/** Create the store file 0600 when it does not exist yet, so SQLite (and its -wal, -shm) never widen it. */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Narrow a store file (and its -wal, -shm) an older hookctl left readable by others. */
export function tightenModes(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    const stats = statOrNull(path);
    if (!stats || (stats.mode & 0o077) === 0) continue;
    if (process.getuid && stats.uid !== process.getuid()) continue;
    try {
      chmodSync(path, FILE_MODE);
    } catch {
      // not ours to change; the store still works
    }
  }
}

/**
 * What the store's path names now, against the file SQLite has open: a removed file (no
 * link left), a replaced one (the path names another inode) or a removed WAL means what was
 * just committed is not in the file at the store's path.
 */
export class FileIdentity {
  private readonly fd: number;
  private readonly dev: number;
  private readonly ino: number;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'r');
    const stats = fstatSync(this.fd);
    this.dev = stats.dev;
    this.ino = stats.ino;
  }

  /** Why the path no longer holds what SQLite writes, or null when it does. */
  problem(walFd: number | null): string | null {
    if (fstatSync(this.fd).nlink === 0) return `${this.path} was removed`;
    const now = statOrNull(this.path);
    if (!now) return `${this.path} was removed`;
    if (now.dev !== this.dev || now.ino !== this.ino) return `${this.path} was replaced by another file`;
    if (walFd !== null && fstatSync(walFd).nlink === 0) return `${this.path}-wal was removed`;
    return null;
  }

  close(): void {
    closeSync(this.fd);
  }
}
