// Builds the service worker (sw/sw.ts) and injects the precache manifest of dist/.
import { build } from 'esbuild';
import { injectManifest } from 'workbox-build';

const dist = new URL('../dist/', import.meta.url).pathname;
const bundled = new URL('../node_modules/.sw-build/sw.js', import.meta.url).pathname;

await build({
  entryPoints: [new URL('../sw/sw.ts', import.meta.url).pathname],
  outfile: bundled,
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

const { count, size, warnings } = await injectManifest({
  swSrc: bundled,
  swDest: `${dist}sw.js`,
  globDirectory: dist,
  globPatterns: ['index.html', 'assets/**/*.{js,css}', 'icons/*.png', 'manifest.webmanifest'],
  // Hashed file names already change with their content.
  dontCacheBustURLsMatching: /^assets\//,
});
for (const warning of warnings) console.warn(`service worker: ${warning}`);
console.log(`service worker: precaches ${count} files, ${(size / 1024).toFixed(1)} KiB`);
