// The initial-load budget: JS and CSS that index.html loads before the app
// can start (entry script, module preloads, stylesheets), gzipped, at most 120 KB.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 120;
const dist = new URL('../dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const assets = [...html.matchAll(/<(?:script[^>]+src|link[^>]+href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);

let total = 0;
for (const asset of new Set(assets)) {
  const size = gzipSync(readFileSync(new URL(asset, dist)), { level: 9 }).length;
  total += size;
  console.log(`  ${asset.padEnd(40)} ${(size / 1024).toFixed(1).padStart(7)} KB gz`);
}
const kb = total / 1024;
console.log(`initial JS+CSS: ${kb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (kb > BUDGET_KB) {
  console.error(`over budget by ${(kb - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
