import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Temporal servers and workers take a few seconds to start; files share one database per run.
    // Three files at once on two cores: most of a file's time is waiting (for a Temporal server, a
    // cut connection's keepalive, an alert's minute), not computing.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 3,
  },
});
