// Preloaded with `node --import` by tests: records every module the CLI loads (ESM through a
// resolve hook, CommonJS through the require cache) and writes the list to
// $HOOKCTL_TRACE_LOADS when the process exits.
import { register, createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const esm = new Set();
port1.on('message', (url) => esm.add(url));
port1.unref();
register('./trace-loads-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

process.on('exit', () => {
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  writeFileSync(process.env.HOOKCTL_TRACE_LOADS, JSON.stringify([...esm, ...cjs]));
});
