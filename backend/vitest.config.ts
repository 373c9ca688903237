import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests live in backend/, schema/ and scripts/: run from the repository root.
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  test: {
    root,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['backend/src/**/*.unit.test.ts', 'schema/**/*.unit.test.ts', 'scripts/**/*.unit.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'frontend',
          // The PWA's stores, replica and outbox over an in-memory IndexedDB (the e2e suite uses Chromium's).
          include: ['frontend/src/**/*.unit.test.ts'],
          environment: 'node',
          setupFiles: ['fake-indexeddb/auto'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'int',
          include: ['backend/src/**/*.int.test.ts', 'scripts/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // PGlite instances are memory-hungry WASM; two files at a time fit two cores.
          maxWorkers: 2,
          // Unit tests first; projects with different worker limits need distinct groups.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
