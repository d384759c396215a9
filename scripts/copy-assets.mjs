#!/usr/bin/env node
// TypeScript compiles only .ts files: the inspector's page (HTML, CSS, plain ES modules) is
// copied as is next to the compiled server, which finds it relative to its own module.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../src/core/inspector/assets/', import.meta.url));
const to = fileURLToPath(new URL('../dist/core/inspector/assets/', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
