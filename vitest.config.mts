import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { '@contract': fileURLToPath(new URL('./electron/contract', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Serial ptys and SQLite files are per-test; a single fork keeps the 2-core machine calm.
    pool: 'forks',
    maxWorkers: 2,
  },
});
