import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The shared shape of `make test-faults` and `make test-security`: one suite
 * of `*.<suite>.test.ts` files, run one file at a time because they start real
 * servers, Postgres clusters and load against two shared cores.
 */
export function hardeningConfig(suite: 'faults' | 'security') {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return defineConfig({
    root,
    test: {
      root,
      name: suite,
      // The PWA's hostile-content cases live beside its e2e harness.
      include: [`backend/test/hardening/**/*.${suite}.test.ts`, `frontend/e2e/**/*.${suite}.test.ts`],
      environment: 'node',
      fileParallelism: false,
      testTimeout: 240_000,
      hookTimeout: 120_000,
    },
  });
}
