import { defineConfig } from 'vitest/config';

/**
 * Projects follow the test pyramid in DESIGN.md §7. Everything but `unit` and `infra` talks to the test bed
 * (moto_server, PostgreSQL, MariaDB), started by the global setup if it is not already running.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          setupFiles: ['test/support/worker-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          setupFiles: ['test/support/worker-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], setupFiles: ['test/support/worker-setup.ts'] },
      },
    ],
  },
});
