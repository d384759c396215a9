#!/usr/bin/env node
// A prototype, not the store: would keeping bodies out of SQLite's B-tree pay? listen's write
// path without HTTP (as bench/store-ceiling.mjs: 24 KB pull_request deliveries, 32 in flight,
// a random GUID each, group commit, the WAL fdatasync'd on libuv's pool) in two variants, each
// in a fresh process, alternating, same run:
//   today     Store.insertDelivery: the row, its indexes and the body in the `bodies` table.
//   segments  the same row and indexes; the body appended to a segment file instead (all the
//             bodies of one group commit in ONE write, made before the commit), and only
//             segment, offset, length and sha256 in SQLite (a `body_refs` row). Every sync of
//             the WAL is preceded by an fdatasync of the segment, so a row is never on disk
//             before the bytes it points at (strictly: SQLite's own checkpoints could still
//             sync the WAL first; a real store would checkpoint only after the segment sync).
// Prints deliveries/s, CPU µs per delivery (all threads), and the bytes per delivery kept in
// SQLite's file (each went through the WAL too) and in segments.
// Needs: npm run build. Run: node bench/store-segments.mjs [seconds] [--rounds N] [--dist DIR]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs, { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writevSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { storeDelivery } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : fallback;
};
const distDir = option('--dist', fileURLToPath(new URL('../dist/', import.meta.url)));
const child = option('--child', null);
const ROUNDS = Number(option('--rounds', 3));
const SECONDS = Number(args[0] ?? 5);
const SEGMENT_BYTES = 64 * 1024 * 1024;

if (child) {
  await runChild(child);
} else {
  await runRounds();
}

async function runRounds() {
  const results = { today: [], segments: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first: the machine's load drifts.
    const order = round % 2 ? ['today', 'segments'] : ['segments', 'today'];
    for (const variant of order) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const r = await spawnChild(variant);
      results[variant].push(r);
      console.log(`round ${round} ${variant.padEnd(8)} ${r.perSecond.toFixed(0).padStart(5)} deliveries/s, CPU ${r.cpuUs.toFixed(0)} µs each ` +
        `(user ${r.userUs.toFixed(0)}, system ${r.systemUs.toFixed(0)}), SQLite ${(r.sqliteBytes / 1024).toFixed(1)} KiB + segment ${(r.segmentBytes / 1024).toFixed(1)} KiB each, ` +
        `${r.syncs} syncs, load ${load}`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\n| variant | deliveries/s (median, range) | CPU µs per delivery | SQLite file + segment KiB per delivery |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, rs] of Object.entries(results)) {
    const per = rs.map((r) => r.perSecond);
    const cpu = rs.map((r) => r.cpuUs);
    console.log(`| ${name} | ${median(per).toFixed(0)} (${Math.min(...per).toFixed(0)}–${Math.max(...per).toFixed(0)}) | ${median(cpu).toFixed(0)} (${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}) | ${(median(rs.map((r) => r.sqliteBytes)) / 1024).toFixed(1)} + ${(median(rs.map((r) => r.segmentBytes)) / 1024).toFixed(1)} |`);
  }
  const ratios = results.today.map((t, i) => ({ rate: results.segments[i].perSecond / t.perSecond, cpu: t.cpuUs / results.segments[i].cpuUs }));
  console.log(`\nsegments / today, paired by round: deliveries/s ${ratios.map((r) => r.rate.toFixed(2) + '×').join(' ')}; CPU per delivery ${ratios.map((r) => (1 / r.cpu).toFixed(2) + '×').join(' ')}`);
}

function spawnChild(variant) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), String(SECONDS), '--child', variant, '--dist', distDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${variant} exited ${code}: ${out}`))));
  });
}

async function runChild(variant) {
  const dist = pathToFileURL(`${distDir}/`).href;
  const dir = mkdtempSync(join(tmpdir(), 'hookctl-segments-'));
  // Count the WAL fdatasyncs; for segments, each is preceded by the segment's (chained, on libuv's pool).
  let syncs = 0;
  let segmentSync = null;
  const fdatasync = fs.fdatasync;
  fs.fdatasync = (fd, cb) => {
    syncs++;
    if (!segmentSync) return fdatasync(fd, cb);
    segmentSync((err) => (err ? cb(err) : fdatasync(fd, cb)));
  };
  syncBuiltinESMExports();
  const { openDeliveryWriter } = await import(`${dist}core/store/listen-writer.js`);
  const { INSERT_SQL, insertParams } = await import(`${dist}core/store/fields.js`);
  const body = readFileSync(new URL('../payloads/pull_request/opened.json', import.meta.url));
  const file = join(dir, 'store.db');
  const writer = openDeliveryWriter(file);
  let n = 0;
  const delivery = () => (n++, storeDelivery(body));

  let receive = (d) => writer.receive(d);
  let segmentBytes = 0;
  if (variant === 'segments') {
    const store = writer.current();
    // Private parts of today's Store, reached from plain JS: the prototype's business only.
    const db = store.db;
    db.exec('CREATE TABLE body_refs (seq INTEGER PRIMARY KEY REFERENCES deliveries(seq) ON DELETE CASCADE, segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, sha256 BLOB NOT NULL)');
    const insert = db.prepare(INSERT_SQL);
    const nextAttempt = db.prepare('SELECT COALESCE(MAX(attempt), 0) + 1 AS n FROM deliveries WHERE delivery_guid = ?').pluck();
    const ref = db.prepare('INSERT INTO body_refs (seq, segment, offset, length, sha256) VALUES (?, ?, ?, ?, ?)');
    let segment = 0;
    let segmentFd = -1;
    let segmentEnd = 0;
    const openSegment = () => {
      if (segmentFd >= 0) closeSync(segmentFd);
      segment++;
      segmentFd = openSync(join(dir, `segment-${String(segment).padStart(6, '0')}`), 'a');
      segmentEnd = 0;
      // A new file is only found after a power cut once its directory entry is on disk.
      const d = openSync(dir, 'r');
      fsyncSync(d);
      closeSync(d);
    };
    openSegment();
    // Bodies of the batch being gathered: written in one writev just before its commit.
    let pending = [];
    const commits = store.commits;
    const flush = commits.flush.bind(commits);
    commits.flush = () => {
      if (pending.length) {
        writevSync(segmentFd, pending);
        pending = [];
      }
      flush();
    };
    // Sync the segment (every byte written so far) before the WAL that points at it.
    segmentSync = (cb) => fdatasync(segmentFd, cb);
    let ids = 0;
    receive = (d) => {
      const sha = createHash('sha256').update(d.body).digest();
      if (segmentEnd + d.body.length > SEGMENT_BYTES) {
        // A real store would first write what is pending to the old segment; the prototype never has any here.
        openSegment();
      }
      const at = { segment, offset: segmentEnd, length: d.body.length };
      segmentEnd += d.body.length;
      segmentBytes += d.body.length;
      pending.push(d.body);
      return store.enqueue(() => {
        const params = insertParams(d);
        params.attempt = nextAttempt.get(d.deliveryId);
        params.writer = store.writerId;
        params.id = `s${(ids++).toString(36)}`;
        const seq = Number(insert.run(params).lastInsertRowid);
        ref.run(seq, at.segment, at.offset, at.length, sha);
        return { seq, id: params.id };
      });
    };
  }

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() - t0 < SECONDS * 1000) await receive(delivery());
  }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  writer.close();
  const dbBytes = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });
  // What SQLite keeps per delivery (its file once closed and checkpointed): each of those pages
  // went through the WAL once and into the file once.
  process.stdout.write(JSON.stringify({
    variant, n, perSecond: n / secs, cpuUs: (cpu.user + cpu.system) / n, userUs: cpu.user / n, systemUs: cpu.system / n,
    sqliteBytes: dbBytes / n, segmentBytes: segmentBytes / n, syncs,
  }));
}
