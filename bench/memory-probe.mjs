// Loaded into a process with `node --import bench/memory-probe.mjs` (forward-backlog.mjs does,
// with BENCH_PROBE=1): samples its memory every 10 ms and keeps, in the file PROBE_OUT, where
// the RSS was at its peak: resident pages of the node binary (RssFile), malloc's heap ([heap]
// in smaps: SQLite, native buffers), other anonymous maps (V8's heap, big buffers), and what
// process.memoryUsage() says (V8 heap, external and ArrayBuffer memory), in MB.
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.PROBE_OUT;
const mb = (bytes) => Math.round(bytes / 1048576);

function maps() {
  let heap = 0;
  let anon = 0;
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1];
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && name === '[heap]') heap += Number(rss[1]);
    else if (rss && name === '') anon += Number(rss[1]);
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssFile: Math.round(kb('RssFile') / 1024), mallocHeap: Math.round(heap / 1024), otherAnon: Math.round(anon / 1024) };
}

if (out) {
  let peak = 0;
  let lastMaps = 0;
  let atPeak = {};
  setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss < peak) return;
    peak = m.rss;
    // smaps is costly to read: at most every 100 ms.
    const now = Date.now();
    const where = now - lastMaps > 100 ? ((lastMaps = now), maps()) : {};
    atPeak = { ...atPeak, ...where, rss: mb(m.rss), v8Heap: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  }, 10).unref();
  setInterval(() => writeFileSync(out, JSON.stringify(atPeak)), 200).unref();
}
