/**
 * Hardening of listen and its store: a store removed while listening, another process holding
 * the write lock (listen as a process), start-up checks, file modes, hostile bodies (deep
 * JSON, hundreds of headers, big unsigned bodies). listen and the other commands run in this
 * process unless the process is the point.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync, type MakeDirectoryOptions, type PathLike } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { ROOT, runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { postDelivery, postRaw, samplePayload } from '../helpers/webhook-apps.js';
import { startCaptureServer } from '../helpers/capture-server.js';

const SECRET = 'hardening-secret';
let box: Sandbox;
let children: LongRunning[] = [];
let listeners: InProcessRunning[] = [];
let others: ChildProcess[] = [];
let immutable: string[] = [];

/** listen as a process (the built CLI). */
async function startListenProcess(args: string[] = []): Promise<{ cli: LongRunning; url: string }> {
  const cli = startCli(['listen', '--port', '0', '--secret', SECRET, ...args], { env: box.env });
  children.push(cli);
  const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { cli, url: `http://127.0.0.1:${m[1]}/` };
}

/** listen in this process. */
async function startListen(args: string[] = []): Promise<{ cli: InProcessRunning; url: string }> {
  const cli = startInProcess(['listen', '--port', '0', '--secret', SECRET, ...args], { env: box.env });
  listeners.push(cli);
  const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { cli, url: `http://127.0.0.1:${m[1]}/` };
}

function storeFile(): string {
  return join(box.env.HOOKCTL_HOME!, 'deliveries.db');
}

function storedGuids(file = storeFile()): Set<string> {
  const store = openStore(file);
  try {
    return new Set([...store.iterate()].map((d) => d.deliveryId!));
  } finally {
    store.close();
  }
}

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  for (const c of children) await c.stop('SIGKILL');
  for (const c of listeners) await c.stop('SIGINT');
  for (const o of others) o.kill('SIGKILL');
  for (const path of immutable) execFileSync('chattr', ['-i', path]);
  children = [];
  listeners = [];
  others = [];
  immutable = [];
  box.cleanup();
});

describe('a 200 means the delivery is in the file at the store\'s path', () => {
  it('a store removed while listening: 503 for what was lost, said loudly, and later deliveries kept in a fresh store', async () => {
    // --json prints a delivery's record once everything after its answer is done.
    const { cli, url } = await startListen(['--json']);
    for (let i = 0; i < 10; i++) expect((await postDelivery(url, samplePayload({ n: i }), { secret: SECRET })).status).toBe(200);
    // Let the work after those answers (schema verdicts) write first: the next write is then ours.
    await expect.poll(() => cli.stdout().trim().split('\n').length, { timeout: 10_000, interval: 10 }).toBe(1 + 10);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${storeFile()}${suffix}`, { force: true });
    const after: { guid: string; status: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const guid = `after-rm-${i}`;
      after.push({ guid, status: (await postDelivery(url, samplePayload({ n: i }), { secret: SECRET, deliveryId: guid })).status });
    }
    expect(after.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(after.some((a) => a.status === 503)).toBe(true);
    expect(after.at(-1)!.status).toBe(200);
    await cli.waitFor(/STORE LOST: .*deliveries\.db was removed/);
    expect(await cli.stop('SIGINT')).toEqual({ code: 0 });
    // Every 200 sent after the removal is in the file at the store's path; nothing else is.
    const kept = storedGuids();
    expect(after.filter((a) => a.status === 200).map((a) => a.guid).sort()).toEqual([...kept].sort());
  });

  it('another process holding the write lock does not freeze the listener; the delivery waits and is kept', async () => {
    // Three processes: the listener, a holder of the lock, and this one asking.
    const { url } = await startListenProcess();
    expect((await postDelivery(url, samplePayload(), { secret: SECRET })).status).toBe(200);
    // The holder keeps the write lock until told to let go (a line on its stdin).
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`, storeFile()],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    others.push(holder);
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    let settled = false;
    const waiting = postDelivery(url, samplePayload({ waiting: true }), { secret: SECRET, deliveryId: 'while-locked' }).finally(() => (settled = true));
    // While the lock is held, the listener answers other requests.
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    expect(settled, 'the delivery was answered while another process held the lock').toBe(false);
    holder.stdin!.write('release\n');
    expect((await waiting).status).toBe(200);
    expect(storedGuids()).toContain('while-locked');
  });
});

describe('start-up checks', () => {
  it('a read-only store is refused at start: exit 1, naming the file and the fix', async () => {
    const file = join(box.dir, 'ro', 'deliveries.db');
    openStore(file).close();
    // root ignores permission bits: an immutable file is read-only to everyone.
    if (process.getuid?.() === 0) {
      execFileSync('chattr', ['+i', file]);
      immutable.push(file);
    } else chmodSync(file, 0o444);
    const r = await runInProcess(['listen', '--port', '0', '--store', file], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the delivery store ${file} is read-only`);
    expect(r.stderr).toMatch(/chmod u\+w|--store FILE/);
    expect(r.stderr).not.toMatch(/Listening on/);
  });

  it('a store whose folder cannot be created is refused at once (no spinning under /proc)', async () => {
    // Counted: the folders listen tries to create. Node's recursive mkdir loops forever under
    // /proc (in its native code, so here it is refused rather than run).
    const made: { path: string; recursive: boolean }[] = [];
    const cjsFs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
    const mkdir = cjsFs.mkdirSync;
    cjsFs.mkdirSync = ((path: PathLike, options?: MakeDirectoryOptions) => {
      const recursive = Boolean(options?.recursive);
      made.push({ path: String(path), recursive });
      if (recursive && String(path).startsWith('/proc')) throw new Error('recursive mkdir under /proc never returns');
      return mkdir(path, options);
    }) as typeof mkdir;
    syncBuiltinESMExports();
    let r;
    try {
      r = await runInProcess(['listen', '--port', '0', '--store', '/proc/nope/x.db'], { env: box.env });
    } finally {
      cjsFs.mkdirSync = mkdir;
      syncBuiltinESMExports();
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot create the folder \/proc\/nope for the delivery store/);
    const underProc = made.filter((call) => call.path.startsWith('/proc'));
    expect(underProc.filter((call) => call.recursive)).toEqual([]);
    expect(underProc.length).toBeLessThanOrEqual(1);
    const file = join(box.dir, 'a-file');
    writeFileSync(file, 'x');
    const under = await runInProcess(['listen', '--port', '0', '--store', join(file, 'x.db')], { env: box.env });
    expect(under.code).toBe(1);
    expect(under.stderr).toMatch(/is not a folder/);
  });

  it('the data folder is 0700; the store, its -wal and -shm 0600, also for a --store hookctl creates', async () => {
    const { url, cli } = await startListen();
    expect((await postDelivery(url, samplePayload(), { secret: SECRET })).status).toBe(200);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(box.env.HOOKCTL_HOME!)).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) expect(mode(`${storeFile()}${suffix}`), suffix).toBe(0o600);
    await cli.stop('SIGINT');
    const custom = join(box.dir, 'new', 'folder', 'my.db');
    const second = await startListen(['--store', custom]);
    expect((await postDelivery(second.url, samplePayload(), { secret: SECRET })).status).toBe(200);
    expect(mode(join(box.dir, 'new'))).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) expect(mode(`${custom}${suffix}`), suffix).toBe(0o600);
  });

  it('an existing store left world-readable by an older hookctl is narrowed to 0600', async () => {
    mkdirSync(box.env.HOOKCTL_HOME!, { recursive: true });
    openStore(storeFile()).close();
    chmodSync(storeFile(), 0o644);
    const r = await runInProcess(['deliveries', 'list'], { env: box.env });
    expect(r.code).toBe(0);
    expect(statSync(storeFile()).mode & 0o777).toBe(0o600);
  });
});

describe('hostile bodies get the contract\'s status and their row', () => {
  it('a million open brackets or 100,000 nested objects: 400 stored when signed, 401 stored when not', async () => {
    const { url } = await startListen();
    const brackets = Buffer.from('['.repeat(1_000_000));
    const objects = Buffer.from('{"a":'.repeat(100_000));
    for (const [body, guid] of [
      [brackets, 'deep-brackets'],
      [objects, 'deep-objects'],
    ] as const) {
      const signed = await postDelivery(url, body, { secret: SECRET, deliveryId: `${guid}-signed` });
      expect(signed.status).toBe(400);
      expect(signed.body).toMatch(/unreadable JSON: line 1, column \d+: unexpected end of input/);
      const wrong = await postDelivery(url, body, { secret: 'not-it', deliveryId: `${guid}-wrong` });
      expect(wrong.status).toBe(401);
    }
    expect([...storedGuids()].sort()).toEqual(['deep-brackets-signed', 'deep-brackets-wrong', 'deep-objects-signed', 'deep-objects-wrong']);
  });

  it('validate and send --payload explain a deep or unterminated file instead of crashing', async () => {
    const file = join(box.dir, 'deep.json');
    writeFileSync(file, '['.repeat(1_000_000));
    const v = await runCli(['validate', file, '--event', 'push'], { env: box.env });
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/is not JSON: line 1, column 1000001: unexpected end of input/);
    const s = await runInProcess(['send', 'push', '--payload', file, '--to', 'http://127.0.0.1:9/'], { env: box.env });
    expect(s.code).toBe(2);
    expect(s.stderr).not.toMatch(/bug in hookctl/);
    const valid = join(box.dir, 'deep-valid.json');
    writeFileSync(valid, `{"ref":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const vv = await runInProcess(['validate', valid, '--event', 'push'], { env: box.env });
    expect(vv.code).toBe(1);
    expect(vv.stderr).not.toMatch(/bug in hookctl/);
  });

  it('250 headers before X-GitHub-Event: every header is kept and the event is seen', async () => {
    const { url } = await startListen();
    const body = Buffer.from(samplePayload());
    const headers: Record<string, string> = {};
    for (let i = 0; i < 250; i++) headers[`x-pad-${i}`] = String(i);
    const { signatureHeaders } = await import('../../src/core/webhook/signing.js');
    Object.assign(headers, { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'many-headers' }, signatureHeaders(SECRET, body));
    const res = await postRaw(url, body, headers);
    expect(res.status).toBe(200);
    const store = openStore(storeFile());
    try {
      const d = store.resolve('many-headers');
      expect(d.kind).toBe('found');
      if (d.kind === 'found') expect(d.delivery.rawHeaders.length / 2).toBeGreaterThanOrEqual(250 + 5);
    } finally {
      store.close();
    }
  });

  it('with a secret, a big unsigned body keeps only its first MiB, with its length and sha256, and says so', async () => {
    const { url } = await startListen();
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const res = await postRaw(url, big, { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'big-unsigned' });
    expect(res.status).toBe(401);
    const store = openStore(storeFile());
    try {
      const found = store.resolve('big-unsigned');
      expect(found.kind).toBe('found');
      if (found.kind === 'found') {
        expect(found.delivery).toMatchObject({ truncated: true, bytes: 1024 * 1024, bodyBytes: big.length, status: 401 });
        const { createHash } = await import('node:crypto');
        expect(found.delivery.bodySha256).toBe(createHash('sha256').update(big).digest('hex'));
      }
    } finally {
      store.close();
    }
    const show = await runInProcess(['deliveries', 'show', 'big-unsigned'], { env: box.env });
    expect(show.stdout).toMatch(/only the first 1\.0 MB of 5\.0 MB were kept/);
    expect(existsSync(storeFile())).toBe(true);
    // Its first MiB is not the delivery: a replay would send (and sign) bytes nobody sent.
    const capture = await startCaptureServer();
    try {
      const replay = await runInProcess(['replay', 'big-unsigned', '--to', capture.url, '--secret', 's3cret'], { env: box.env });
      expect(replay.code).toBe(1);
      expect(replay.stderr).toMatch(/cannot replay \w+: only the first 1,048,576 of its 5,242,880 bytes were kept/);
      expect(replay.stderr).toContain('--payload FILE');
      const all = await runInProcess(['replay', '--all', '--to', capture.url], { env: box.env });
      expect(all.code).toBe(1);
      expect(all.stderr).toMatch(/skipped \w+: only the first/);
      const whole = join(box.dir, 'whole.json');
      writeFileSync(whole, '{"zen":"a whole body"}');
      const edited = await runInProcess(['replay', 'big-unsigned', '--to', capture.url, '--payload', whole], { env: box.env });
      expect(edited.code, edited.stderr).toBe(0);
      expect(capture.requests.map((r) => r.body.toString())).toEqual(['{"zen":"a whole body"}']);
    } finally {
      await capture.close();
    }
  });
});
