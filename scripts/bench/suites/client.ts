import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = join(ROOT, 'frontend/dist');
const CHROMIUM = '/usr/bin/chromium';

/** Metric 7a: what the first page load downloads (entry script, its preloads, CSS), gzipped. */
export interface BundleResult {
  readonly files: readonly { readonly file: string; readonly bytes: number; readonly gzipBytes: number }[];
  readonly gzipBytes: number;
}

/** Metric 7b: IndexedDB ingest of `count` messages in Chromium through the PWA's replica. */
export interface IngestResult {
  readonly count: number;
  /** One `applyEvent` per message, as catch-up does (a transaction each), for `applyCount` messages. */
  readonly applyCount: number;
  readonly applyMs: number;
  /** One `bulkPut` of all of them, as a history page does. */
  readonly bulkMs: number;
  readonly browser: string;
}

/** Reads the built index.html: initial scripts, module preloads and stylesheets (lazy chunks excluded). */
export function measureBundle(): BundleResult | { readonly unavailable: string } {
  const index = join(DIST, 'index.html');
  if (!existsSync(index)) return { unavailable: 'frontend/dist is missing (the PWA did not build)' };
  const html = readFileSync(index, 'utf8');
  const refs = [
    ...[...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<link[^>]*>/g)]
      .map((m) => m[0])
      .filter((tag) => /rel="(stylesheet|modulepreload)"/.test(tag))
      .map((tag) => /href="([^"]+)"/.exec(tag)![1]!),
  ].filter((ref) => !/^https?:/.test(ref));
  const files = refs.map((ref) => {
    const bytes = readFileSync(join(DIST, ref));
    // zlib's default level (6), what nginx or a CDN typically serves; not the best case.
    return { file: ref, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
  });
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

/** Bundles the PWA's replica code, serves it on a loopback origin and times the ingest in headless Chromium. */
export async function measureIngest(count: number, applyCount: number): Promise<IngestResult | { readonly unavailable: string }> {
  if (!existsSync(CHROMIUM)) return { unavailable: `no Chromium at ${CHROMIUM} (apt-get install -y chromium)` };
  if (!existsSync(join(ROOT, 'frontend/src/db/replica.ts'))) return { unavailable: 'the PWA has no replica (frontend/src/db/replica.ts)' };
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../browser/ingest-entry.mjs', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  const server = createServer((req, res) => {
    if (req.url === '/ingest.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/ingest.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    type Ingest = (n: number, applyN: number) => Promise<{ applyMs: number; applied: number; bulkMs: number; stored: number }>;
    const result = await page.evaluate(([n, applyN]) => (globalThis as unknown as { benchIngest: Ingest }).benchIngest(n, applyN), [count, applyCount] as const);
    if (result.applied !== applyCount || result.stored !== count) throw new Error(`ingest stored ${result.applied} / ${result.stored} messages`);
    return { count, applyCount, applyMs: Math.round(result.applyMs), bulkMs: Math.round(result.bulkMs), browser: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    server.close();
  }
}
