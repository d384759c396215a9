import { defineConfig } from 'vitest/config';

// The suite is CPU-bound on 2 cores, and most e2e and browser time is spent in the processes
// the tests start (the CLI, Chromium, fake servers), so more workers than cores keep both busy.
// Two projects, run side by side with the same number of workers:
// - `unit`: unit and integration tests in worker threads sharing one module graph per worker
//   (no re-import per file: about 40% less CPU). A file that mocks modules or changes the
//   process (vi.mock, fake timers, chdir) must be named *.isolated.test.ts.
// - `process`: e2e, browser and isolated files, each in a fresh child process.
const workers = Number(process.env.HOOKCTL_TEST_WORKERS) || 3;
const shared = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    maxWorkers: workers,
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['**/*.isolated.test.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'process',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts', 'test/**/*.isolated.test.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
