// Bundles the server into dist/main.js. Workspace code (backend, schema) is
// bundled; npm packages stay external and load from node_modules at run time.
// The embedded database's worker thread is plain JavaScript, copied beside it.
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  alias: { '@chatterlink/schema': '../schema' },
  sourcemap: true,
  logLevel: 'warning',
});
copyFileSync('src/db/pglite-worker.js', 'dist/pglite-worker.js');
