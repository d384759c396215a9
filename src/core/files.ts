/**
 * Files hookctl is given or keeps. What it reads from a path (a payload, a private key, its
 * state) must be a regular file of a bounded size: a FIFO would hang the read, a device
 * (`/dev/zero`) never ends; anything else is refused with what it is. What it keeps in its data
 * folder is written through a temp file created exclusively and never through a link, in a
 * folder verified to be this user's and writable by no one else. Never prints: problems are
 * thrown (FileError) with the fix.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HookctlError } from '../errors.js';

/** A file or folder hookctl will not use as it is: the message says why, the details how to fix it. */
export class FileError extends HookctlError {}

/** What a non-regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
}

export interface ReadLimits {
  /** At most this many bytes. */
  limit: number;
  /** What the file is, for messages ("the private key"). */
  what: string;
}

// Opening a FIFO for reading waits for a writer; O_NONBLOCK makes it return at once, so the
// check below can refuse it. For a regular file the flag changes nothing.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function check(path: string, stats: Stats, limits: ReadLimits): void {
  if (!stats.isFile()) throw new FileError(`${path} is ${kindOf(stats)}: ${limits.what} is read from a regular file`);
  if (stats.size > limits.limit) throw new FileError(`${path} is ${sizeText(stats.size)}: ${limits.what} is at most ${sizeText(limits.limit)}`);
}

function tooBig(path: string, limits: ReadLimits): FileError {
  return new FileError(`${path} grew past ${sizeText(limits.limit)} while it was read: ${limits.what} is at most that`);
}

/** A regular file's bytes (at most limits.limit); FileError otherwise. ENOENT and the like are thrown as they are. */
export function readRegularFileSync(path: string, limits: ReadLimits): { bytes: Buffer; stats: Stats } {
  const fd = openSync(path, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    check(path, stats, limits);
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, limits.limit) + 1);
    let length = 0;
    for (let n; (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) {
      length += n;
      if (length > limits.limit) throw tooBig(path, limits);
      if (length === buffer.length) break;
    }
    return { bytes: buffer.subarray(0, length), stats };
  } finally {
    closeSync(fd);
  }
}

/** readRegularFileSync, off the event loop. */
export async function readRegularFile(path: string, limits: ReadLimits): Promise<{ bytes: Buffer; stats: Stats }> {
  const handle = await open(path, READ_FLAGS);
  try {
    const stats = await handle.stat();
    check(path, stats, limits);
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, limits.limit) + 1);
    let length = 0;
    for (let n; (n = (await handle.read(buffer, length, buffer.length - length, null)).bytesRead) > 0; ) {
      length += n;
      if (length > limits.limit) throw tooBig(path, limits);
      if (length === buffer.length) break;
    }
    return { bytes: buffer.subarray(0, length), stats };
  } finally {
    await handle.close();
  }
}

const FOLDER_MODE = 0o700;

/**
 * Make sure `dir` is a private folder of this user's: created 0700 (level by level) when it is
 * missing; an existing one must be a folder owned by this user, and one that others can write
 * to is narrowed to 0700 (returned: the mode it had, so the caller can say so). Someone else's
 * folder, or a shared one (sticky, like /tmp), is refused: anyone who can write in it could plant
 * a link where hookctl writes its state. `fix` says what to do instead (e.g. set HOOKCTL_HOME).
 */
export function privateFolder(dir: string, fix: string): { created: boolean; narrowedFrom: number | null } {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError(`cannot use the folder ${dir}: ${(err as Error).message}`, [fix]);
    createFolder(dir, fix);
    return { created: true, narrowedFrom: null };
  }
  if (!stats.isDirectory()) throw new FileError(`${dir} is ${kindOf(stats)}, not a folder`, [fix]);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new FileError(`${dir} belongs to another user (uid ${stats.uid}): hookctl keeps its data only in a folder of yours`, [fix]);
  }
  const mode = stats.mode & 0o7777;
  if ((mode & 0o022) === 0) return { created: false, narrowedFrom: null };
  if (mode & 0o1000) throw new FileError(`${dir} is a shared folder (others can write in it): hookctl keeps its data only in a folder of its own`, [fix]);
  try {
    chmodSync(dir, FOLDER_MODE);
  } catch (err) {
    throw new FileError(`${dir} can be written by others (mode ${mode.toString(8).padStart(4, '0')}) and could not be narrowed: ${(err as Error).message}`, [`chmod 700 ${dir}`, fix]);
  }
  return { created: false, narrowedFrom: mode };
}

/** mkdir -p with mode 0700 for every level created. (Node's recursive mkdir loops forever under /proc.) */
function createFolder(dir: string, fix: string): void {
  const missing: string[] = [];
  for (let level = dir; ; ) {
    try {
      statSync(level);
      break;
    } catch {
      missing.unshift(level);
      const parent = dirname(level);
      if (parent === level) break;
      level = parent;
    }
  }
  try {
    for (const level of missing) mkdirSync(level, { mode: FOLDER_MODE });
  } catch (err) {
    throw new FileError(`cannot create the folder ${dir}: ${(err as Error).message}`, [fix]);
  }
}

/**
 * Replace `file` (in a folder privateFolder verified) with `text`, mode 0600, atomically: the
 * text goes to a temp file with a random name, created exclusively and never through a
 * link (O_EXCL, O_NOFOLLOW), then renamed over `file` (a link there is replaced, not followed).
 */
export function writePrivateFile(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    try {
      fchmodSync(fd, 0o600); // whatever the umask
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
