#!/usr/bin/env node
// TypeScript compiles only .ts files: the inspector's page (HTML, CSS, plain ES modules) goes
// next to the compiled server, which finds it relative to its own module. Its ES modules go
// as one file, bundled by esbuild from js/main.js: twenty module requests cost a fresh page
// 150-250 ms before DOMContentLoaded here, one costs a few. The sources stay plain modules,
// served as they are when the server runs from src/ (tests), and readable in the bundle.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const from = fileURLToPath(new URL('../src/core/inspector/assets/', import.meta.url));
const to = fileURLToPath(new URL('../dist/core/inspector/assets/', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (path) => !path.startsWith(`${from}js`) });
await build({
  entryPoints: [`${from}js/main.js`],
  outfile: `${to}js/main.js`,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
});
