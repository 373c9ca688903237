/**
 * `make bench` / `make bench-quick`: measures ChatterLink and its peers
 * (bare uWebSockets.js, ws, Socket.IO) in one run, servers pinned to core 0
 * and the load generator to core 1, then writes
 * scripts/bench/results/latest.json, docs/benchmarks.md and docs/benchmarks.svg.
 *
 *   tsx scripts/bench/run.ts [--full] [--only=network,memory,...] [--targets=uws,chatterlink] [--no-build] [--report-only] [--out=DIR]
 *
 * `--out=DIR` writes latest.json, benchmarks.md and benchmarks.svg into DIR
 * instead (a partial run while working on one metric, not the published one).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, dropDatabase, dropStaleDatabases, serverInfo } from './lib/databases';
import { cpuVulnerabilities, thisMachineIsVirtual } from './lib/host';
import { loadAverage } from './lib/proc';
import { runWorker } from './lib/workers';
import { LoadGenerator } from './loadgen/controller';
import { FULL, QUICK, type Profile } from './profile';
import { renderMarkdown } from './report/markdown';
import { renderChart } from './report/chart';
import type { AppendResult, BenchResults, CryptoResult, ReplayResult, Unavailable } from './results';
import { runCatchUp } from './suites/catch-up';
import { measureBundle, measureIngest } from './suites/client';
import { runMemory } from './suites/memory';
import { runNetwork } from './suites/network';
import { ChatterLinkDeployment, ChatterLinkTarget } from './targets/chatterlink';
import { startPeer } from './targets/peers';
import { describeServerEnv } from './targets/server-env';
import type { Target, TargetName } from './targets/target';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const RESULTS_DIR = OUT ?? fileURLToPath(new URL('./results/', import.meta.url));
const DOCS_DIR = OUT ?? join(ROOT, 'docs');
const LATEST = join(RESULTS_DIR, 'latest.json');
const SERVER_CORE = 0;
const LOADGEN_CORE = 1;
const SUITES = ['crypto', 'append', 'replay', 'network', 'memory', 'client'] as const;
const TARGETS: readonly TargetName[] = ['uws', 'ws', 'socketio', 'chatterlink'];

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]?.split(',');
const profile: Profile = args.includes('--full') ? FULL : QUICK;
const suites = new Set(option('only') ?? SUITES);
const targets = TARGETS.filter((t) => (option('targets') ?? TARGETS).includes(t));
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const startedAt = new Date();
const log = (line: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)}s] ${line}`);
let maxLoad = loadAverage();
const loadStart = maxLoad;
const loadSampler = setInterval(() => (maxLoad = Math.max(maxLoad, loadAverage())), 5000);

/** Runs one measurement; a failure is recorded as unavailable (with its reason) instead of ending the run. */
async function attempt<T extends object>(label: string, run: () => Promise<T>): Promise<T | Unavailable> {
  log(`${label}…`);
  try {
    return await run();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    log(`${label} failed: ${reason}`);
    return { unavailable: `failed: ${reason}` };
  }
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'n/a';
  }
}

/** A command's output, or `undefined` if it failed. */
function shell(command: string, commandArgs: string[]): string | undefined {
  try {
    return execFileSync(command, commandArgs, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function startTarget(name: TargetName, deployment: ChatterLinkDeployment): Promise<Target> {
  return name === 'chatterlink' ? deployment.start(SERVER_CORE) : startPeer(name, SERVER_CORE);
}

/** Metrics 1, 2, 5 and 6: every server under the pinned load generator; ChatterLink on a fresh database. */
async function measureServers(): Promise<Pick<BenchResults, 'network' | 'memory' | 'catchUp'>> {
  const network: BenchResults['network'] = {};
  const memory: BenchResults['memory'] = {};
  let catchUp: BenchResults['catchUp'];
  const loadgen = await LoadGenerator.start(LOADGEN_CORE);
  const deployment = await ChatterLinkDeployment.create(adminUrl);
  try {
    if (suites.has('network')) {
      for (const name of targets) {
        network[name] = await attempt(`fan-out and latency: ${name}`, async () => {
          const target = await startTarget(name, deployment);
          try {
            const result = await runNetwork(target, loadgen, profile, log);
            if (target instanceof ChatterLinkTarget) {
              catchUp = await attempt('offline catch-up and outbox', () => runCatchUp(target, loadgen, profile, profile.catchUp.missed, profile.catchUp.outbox));
            }
            return result;
          } finally {
            await target.stop();
          }
        });
      }
    }
    if (suites.has('memory')) {
      for (const name of targets) {
        memory[name] = await attempt(`memory per idle connection: ${name} (${profile.idleConnections.toLocaleString('en')})`, async () => {
          if (name === 'chatterlink') {
            // Users to spread the sockets over, registered by a process of their own: the measured one starts
            // fresh (registration's scrypt leaves freed memory behind that the sockets would reuse unseen).
            const setup = await startTarget(name, deployment);
            await setup.clients(profile).finally(() => setup.stop());
          }
          const target = await startTarget(name, deployment);
          try {
            return await runMemory(target, loadgen, profile.idleConnections);
          } finally {
            await target.stop();
          }
        });
      }
    }
  } finally {
    await loadgen.stop();
    await deployment.drop();
  }
  return { network, memory, catchUp };
}

async function main(): Promise<void> {
  log(`profile ${profile.name}; suites ${[...suites].join(', ')}; targets ${targets.join(', ')}; load average ${loadStart}`);
  const stale = await dropStaleDatabases(adminUrl);
  if (stale.length) log(`dropped ${stale.length} databases left by killed runs`);
  let pwaBuild: string | undefined;
  if (!args.includes('--no-build')) {
    log('building the server and the PWA…');
    execFileSync('npm', ['run', 'build', '-w', 'backend'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    // The PWA failing its build (its own size budget, say) leaves the client figures n/a, not the whole run.
    if (shell('npm', ['run', 'build', '-w', 'frontend']) === undefined) pwaBuild = 'the PWA build failed (npm run build -w frontend)';
  }
  const pg = await serverInfo(adminUrl);
  const keys = { EVENT_KEY: Buffer.alloc(32, 7).toString('base64'), SECRET_KEY: 'bench-secret-key-bench-secret-key-0123' };

  const crypto = suites.has('crypto') ? await attempt('crypto', () => runWorker<CryptoResult>(SERVER_CORE, 'crypto-worker.ts', [profile.cryptoMs])) : undefined;

  const append = suites.has('append')
    ? await attempt('durable append', async () => {
        const db = await createDatabase(adminUrl, 'append');
        try {
          return await runWorker<AppendResult>(SERVER_CORE, 'store-worker.ts', ['append', profile.append.writers, profile.append.durationMs], { ...keys, DATABASE_URL: db.url });
        } finally {
          await dropDatabase(adminUrl, db.name);
        }
      })
    : undefined;

  const replayOn = (engine: 'postgres' | 'pglite') =>
    attempt(`replay on ${engine} (${profile.replayEvents.toLocaleString('en')} events)`, async () => {
      const instance = mkdtempSync(join(tmpdir(), 'chatterlink-bench-replay-'));
      const db = engine === 'postgres' ? await createDatabase(adminUrl, 'replay') : undefined;
      try {
        const env = { ...keys, INSTANCE_DIR: instance, DATABASE_URL: db?.url ?? '' };
        // PGlite is the database, in a thread of the worker: it gets the second core, as Postgres's backends do.
        const cores = engine === 'postgres' ? SERVER_CORE : `${SERVER_CORE},${LOADGEN_CORE}`;
        const { generateSeconds } = await runWorker<Pick<ReplayResult, 'generateSeconds'>>(cores, 'store-worker.ts', ['generate', profile.replayEvents], env);
        const replayed = await runWorker<Omit<ReplayResult, 'generateSeconds'>>(cores, 'store-worker.ts', ['replay'], env);
        return { ...replayed, generateSeconds };
      } finally {
        rmSync(instance, { recursive: true, force: true });
        if (db) await dropDatabase(adminUrl, db.name);
      }
    });
  const replay = suites.has('replay') ? { postgres: await replayOn('postgres'), pglite: await replayOn('pglite') } : { postgres: undefined, pglite: undefined };

  const { network, memory, catchUp } = suites.has('network') || suites.has('memory') ? await measureServers() : { network: {}, memory: {}, catchUp: undefined };

  const bundle = suites.has('client') ? (pwaBuild ? { unavailable: pwaBuild } : await attempt('client bundle', async () => measureBundle())) : undefined;
  const ingest = suites.has('client') ? await attempt('IndexedDB ingest in Chromium', () => measureIngest(profile.ingestMessages, profile.applyMessages)) : undefined;

  clearInterval(loadSampler);
  const results: BenchResults = {
    profile: profile.name,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      virtualMachine: thisMachineIsVirtual(),
      cpuVulnerabilities: cpuVulnerabilities(),
      node: process.version,
      postgres: pg.version.split(' on ')[0]!,
      postgresDurability: `synchronous_commit=${pg.synchronousCommit}, fsync=${pg.fsync}`,
      chromium: shell('/usr/bin/chromium', ['--version']) ?? 'n/a',
      versions: Object.fromEntries(['uWebSockets.js', 'ws', 'socket.io', 'pg', '@electric-sql/pglite', 'dexie', 'playwright-core'].map((p) => [p, versionOf(p)])),
      commit: shell('git', ['rev-parse', '--short', 'HEAD']) ?? 'n/a',
      loadAverage: { start: loadStart, end: loadAverage(), max: Math.max(maxLoad, loadAverage()) },
      serverEnvironment: describeServerEnv(),
    },
    network,
    memory,
    catchUp,
    append,
    replay,
    crypto,
    bundle,
    ingest,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${LATEST}`);
  writeReport(results);
}

/** docs/benchmarks.md and docs/benchmarks.svg from a run's results; prints the targets table. */
function writeReport(results: BenchResults): void {
  const profile = results.profile === 'full' ? FULL : QUICK;
  const markdown = renderMarkdown(results, profile);
  writeFileSync(join(DOCS_DIR, 'benchmarks.md'), markdown);
  writeFileSync(join(DOCS_DIR, 'benchmarks.svg'), renderChart(results, profile));
  console.log(`\n${markdown.slice(markdown.indexOf('## Targets'), markdown.indexOf('## Machine'))}`);
  log(`wrote ${join(DOCS_DIR, 'benchmarks.md')} and benchmarks.svg`);
}

// Ctrl-C: exit through process.exit so that every child (servers, load generator) is killed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// --report-only: re-render the docs from the last results (after changing the report, not the measurements).
const run = args.includes('--report-only') ? async () => writeReport(JSON.parse(readFileSync(LATEST, 'utf8')) as BenchResults) : main;
run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);
