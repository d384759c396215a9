#!/usr/bin/env node
// The CLI is the compiled dist/; in a fresh clone it does not exist until `npm ci` builds it.
import('../dist/main.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    const root = new URL('..', import.meta.url).pathname;
    process.stderr.write(`error: hookctl is not built yet in ${root}\nRun \`npm ci\` there first (it installs the dependencies and builds dist/).\n`);
  } else {
    process.stderr.write(`error: ${err?.message ?? err}\n`);
  }
  process.exit(1);
});
