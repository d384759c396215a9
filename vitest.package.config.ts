import { defineConfig } from 'vitest/config';

// Installing the packed tarball the way users do (a fresh project, a global install, npx):
// each runs `npm install` from the registry's cache, a minute or more of CPU, so they are not
// part of `npm test` (kept at about two minutes); `npm run test:package` runs them and CI runs
// them once (.ci/run).
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
