// Preloaded with `node --import` by tests: records every module the CLI loads (ESM through a
// resolve hook, CommonJS through the require cache) and writes the list to
// $HOOKCTL_TRACE_LOADS when the process exits. With $HOOKCTL_TRACE_READS, also every file
// read whole (fs.readFileSync, fs/promises readFile), written there as a list.
import { register, createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const esm = new Set();
port1.on('message', (url) => esm.add(url));
port1.unref();
register('./trace-loads-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

const require = createRequire(import.meta.url);
const reads = [];
if (process.env.HOOKCTL_TRACE_READS) {
  const fs = require('node:fs');
  const fsPromises = require('node:fs/promises');
  const readFileSync = fs.readFileSync;
  const readFile = fsPromises.readFile;
  const record = (path) => {
    if (typeof path === 'string' || path instanceof URL) reads.push(String(path instanceof URL ? path.pathname : path));
  };
  fs.readFileSync = function (path, ...rest) {
    record(path);
    return readFileSync.call(this, path, ...rest);
  };
  fsPromises.readFile = function (path, ...rest) {
    record(path);
    return readFile.call(this, path, ...rest);
  };
  syncBuiltinESMExports();
}

process.on('exit', () => {
  const cjs = Object.keys(require.cache);
  writeFileSync(process.env.HOOKCTL_TRACE_LOADS, JSON.stringify([...esm, ...cjs]));
  if (process.env.HOOKCTL_TRACE_READS) writeFileSync(process.env.HOOKCTL_TRACE_READS, JSON.stringify(reads));
});
