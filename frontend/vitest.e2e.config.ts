import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Real Chromium against a real server per file: one file at a time on a shared 2-core machine.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
