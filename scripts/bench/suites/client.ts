import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '@chatterlink/schema/protocol';
import { CONTENT_SECURITY_POLICY } from '../../../backend/src/http/security-headers';
import { DEFAULT_LIMITS } from '../../../backend/src/realtime/gateway';
import { packEventFrames } from '../../../backend/src/realtime/pack-events';
import { BENCH_ME, BENCH_ROOMS, catchUpFrames, type CatchUpMix } from '../browser/catch-up-frames';
import { cpuOf, track } from '../lib/proc';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = join(ROOT, 'frontend/dist');
const CHROMIUM = '/usr/bin/chromium';

/** Metric 7a: what the first page load downloads (entry script, its preloads, CSS), gzipped. */
export interface BundleResult {
  readonly files: readonly { readonly file: string; readonly bytes: number; readonly gzipBytes: number }[];
  readonly gzipBytes: number;
}

/** A catch-up replayed to the PWA's Connection and applied by its sync code (median of `RUNS`). */
export interface CatchUpIngest {
  readonly mix: CatchUpMix;
  readonly events: number;
  /** From `hello` to live: frames received, validated, batched and stored. */
  readonly ms: number;
  /** CPU time Chromium's processes (page, browser with IndexedDB, network) used meanwhile: less noisy on a shared machine. */
  readonly cpuMs: number;
  /** The same with nothing stored: what receiving and validating the frames alone takes. */
  readonly receiveMs: number;
  /** IndexedDB transactions (batches) the catch-up took. */
  readonly batches: number;
  /** Answers a live query over the room list and one room's timeline got (what would redraw the UI). */
  readonly redraws: number;
  /** Longest main-thread task meanwhile (0: none over 50 ms, the shortest Chromium reports). */
  readonly longestTaskMs: number;
}

/** Metric 7b (and 6 on the client's side): IndexedDB ingest in Chromium through the PWA's replica. */
export interface IngestResult {
  readonly count: number;
  /** One `bulkPut` of `count` messages, as a history page is stored. */
  readonly bulkMs: number;
  readonly bulkCpuMs: number;
  /** Catch-ups as the PWA applies them. */
  readonly catchUp: readonly CatchUpIngest[];
  readonly browser: string;
}

/** Each measurement runs this many times; the median is reported (the machine is shared). */
const RUNS = 3;

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

/** The processes under `root` (Chromium's: zygotes, renderers, GPU, network, storage). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** Resolves once none of `pids` runs any more (zombies count as gone), or after `timeoutMs`. */
async function helpersGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const running = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (pids.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** One measurement as the page reports it (see `ingest-entry.mjs`), with Chromium's CPU time between its marks. */
interface PageRun {
  readonly label: string;
  readonly ms: number;
  readonly batches?: number;
  readonly received?: number;
  readonly redraws: number;
  readonly longestTaskMs: number;
  readonly lastPosition: number;
  readonly stored: number;
  cpuMs: number;
}

const MIXES: readonly CatchUpMix[] = ['message.sent', 'mixed'];

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
  });

/** A catch-up's frames as the server sends them: page by page, each page packed into `events` frames when `batch`. */
function replayOf(mix: CatchUpMix, events: number, batch: boolean): string[] {
  const frames = catchUpFrames(mix, events).map((f) => JSON.stringify(f));
  const page = DEFAULT_LIMITS.catchUpPage;
  const sent: string[] = [];
  for (let i = 0; i < frames.length; i += page) {
    const pageFrames = frames.slice(i, i + page);
    sent.push(...(batch ? packEventFrames(pageFrames, MAX_FRAME_BYTES) : pageFrames));
  }
  return [...sent, JSON.stringify({ type: 'ready', position: events })];
}

/**
 * Serves the bundled page, replays each catch-up (frames serialised once up front, then `ready`) to every socket
 * that says `hello` on `/catch-up/<mix>` (packed as the server packs them if the hello says `batch`), reads
 * Chromium's CPU time when the page marks a run's start and end, and resolves `results` with the page's runs.
 */
async function serve(script: string, events: number, chromiumPid: () => number | undefined) {
  const replays = new Map(MIXES.map((mix) => [`/catch-up/${mix}`, { plain: replayOf(mix, events, false), packed: replayOf(mix, events, true) }]));
  const marks = new Map<string, number>();
  let report!: (runs: PageRun[]) => void;
  let fail!: (error: Error) => void;
  const results = new Promise<PageRun[]>((resolve, reject) => {
    report = resolve;
    fail = reject;
  });
  const server = createServer(async (req, res) => {
    if (req.url === '/ingest.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (req.method === 'POST' && req.url === '/mark') {
      const pid = chromiumPid();
      marks.set(await bodyOf(req), pid ? cpuOf([pid, ...descendants(pid)]) : 0);
      return res.end();
    }
    if (req.method === 'POST' && req.url === '/result') {
      const answer = JSON.parse(await bodyOf(req)) as PageRun[] | { error: string };
      res.end();
      if ('error' in answer) return fail(new Error(answer.error));
      for (const run of answer) run.cpuMs = ((marks.get(`${run.label} end`) ?? 0) - (marks.get(`${run.label} start`) ?? 0)) * 1000;
      return report(answer);
    }
    // The app's own policy: without 'unsafe-eval', zod validates without its compiled fast path, as in the PWA.
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CONTENT_SECURITY_POLICY }).end('<!doctype html><script src="/ingest.js"></script>');
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const replay = replays.get(req.url ?? '');
    if (!replay) return socket.close(1008);
    socket.once('message', (hello) => {
      const { batch } = JSON.parse(String(hello)) as { batch?: boolean };
      for (const frame of batch ? replay.packed : replay.plain) socket.send(frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    wss.close();
    server.close();
  };
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, results, fail, close };
}

/** The median run (by wall time) of those whose label starts with `prefix`. */
function medianOf(runs: readonly PageRun[], prefix: string): PageRun {
  const matching = runs.filter((r) => r.label.startsWith(`${prefix} `)).sort((a, b) => a.ms - b.ms);
  return matching[Math.floor(matching.length / 2)]!;
}

/** How far a run got, against what it should have reached. */
function reached(run: PageRun): number | undefined {
  if (run.label.startsWith('receive')) return run.received;
  return run.label.startsWith('catch-up') ? run.lastPosition : run.stored;
}

/**
 * Bundles the PWA's replica and sync code and times, in headless Chromium started without DevTools, a history page
 * stored with one bulkPut and catch-ups applied as the PWA applies them.
 */
export async function measureIngest(count: number, events: number): Promise<IngestResult | { readonly unavailable: string }> {
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
  let pid: number | undefined;
  const page = await serve(bundle.outputFiles[0]!.text, events, () => pid);
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const plan = { count, runs: RUNS, mixes: MIXES, rooms: BENCH_ROOMS, me: BENCH_ME };
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
  const chromium = track(spawn(CHROMIUM, [...args, `${page.origin}/?plan=${encodeURIComponent(JSON.stringify(plan))}`], { stdio: 'ignore' }));
  pid = chromium.pid;
  const exited = (code: number | null) => page.fail(new Error(`Chromium exited (${code}) before reporting`));
  chromium.once('exit', exited);
  const timer = setTimeout(() => page.fail(new Error('Chromium did not report within 10 minutes')), 600_000);
  try {
    const runs = await page.results;
    for (const run of runs) {
      const expected = run.label.startsWith('bulkPut') ? count : events;
      if (reached(run) !== expected) throw new Error(`${run.label} reached ${reached(run)} of ${expected}`);
    }
    const catchUp = MIXES.map((mix): CatchUpIngest => {
      const applied = medianOf(runs, `catch-up ${mix}`);
      return {
        mix,
        events,
        ms: Math.round(applied.ms),
        cpuMs: Math.round(applied.cpuMs),
        receiveMs: Math.round(medianOf(runs, `receive ${mix}`).ms),
        batches: applied.batches ?? 0,
        redraws: applied.redraws,
        longestTaskMs: Math.round(applied.longestTaskMs),
      };
    });
    const bulk = medianOf(runs, 'bulkPut');
    const browser = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(' ').slice(0, 2).join(' ');
    return { count, bulkMs: Math.round(bulk.ms), bulkCpuMs: Math.round(bulk.cpuMs), catchUp, browser };
  } finally {
    clearTimeout(timer);
    chromium.off('exit', exited);
    const helpers = pid ? descendants(pid) : [];
    const gone = chromium.exitCode !== null || chromium.signalCode !== null ? Promise.resolve() : new Promise((resolve) => chromium.once('exit', resolve));
    chromium.kill();
    await gone;
    page.close();
    // Its helper processes outlive it for a moment and keep writing to the profile (rmSync then fails with ENOTEMPTY).
    await helpersGone(helpers, 5_000);
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
