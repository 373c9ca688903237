import type { BundleResult, IngestResult } from './suites/client';
import type { CatchUpResult } from './suites/catch-up';
import type { MemoryResult } from './suites/memory';
import type { NetworkResult } from './suites/network';
import type { TargetName } from './targets/target';

/** A measurement that could not be taken, and why. */
export interface Unavailable {
  readonly unavailable: string;
}

/** CPU seconds of a storage measurement: the worker process, and the Postgres backends of its database (0 on PGlite, which runs inside the worker). Absent from results before it was measured. */
export interface StorageCpu {
  readonly node: number;
  readonly database: number;
}

interface AppendRun {
  readonly eventsPerSecond: number;
  readonly events: number;
  readonly transactions: number;
  readonly cpu?: StorageCpu;
}

export interface AppendResult {
  readonly synchronousCommit: string;
  readonly writers: number;
  readonly grouped: AppendRun;
  readonly single: AppendRun;
  readonly ratio: number;
}

interface ReplayRun {
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly phases: { readonly checksumSeconds: number; readonly readDecryptFoldSeconds: number; readonly writeBackSeconds: number };
  readonly cpu?: StorageCpu;
  readonly identical: boolean;
}

export interface ReplayResult {
  readonly engine: string;
  readonly events: number;
  readonly cold: ReplayRun;
  readonly warm: ReplayRun;
  readonly generateSeconds: number;
}

/** Metric 8: operations per CPU-second of one process pinned to one core, each the median of interleaved rounds. */
export interface CryptoResult {
  readonly payloadBytes: number;
  /** ChatterLink's seal (AES-256-GCM through the native addon). */
  readonly aesGcmPerSecond: number;
  /** ChatterLink's open (what replay and reads use). */
  readonly aesGcmOpenPerSecond: number;
  /** The same format through node:crypto's per-call API (before the addon). */
  readonly nodeCryptoSealPerSecond: number;
  readonly nodeCryptoOpenPerSecond: number;
  /** Fernet-style token (AES-128-CBC + HMAC-SHA256), the prototype's scheme. */
  readonly fernetPerSecond: number;
  readonly fernetOpenPerSecond: number;
  /** Seal over Fernet-style seal. */
  readonly ratio: number;
  /** Open over Fernet-style open. */
  readonly openRatio: number;
  /** CPU-seconds the worker got per wall-second while measuring (1 = the whole core). */
  readonly cpuShare: number;
}

/** Everything one run measured, as written to scripts/bench/results/latest.json. */
export interface BenchResults {
  readonly profile: 'quick' | 'full';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly kernel: string;
    /** Whether the CPU said it runs under a hypervisor; absent in older runs. */
    readonly virtualMachine?: boolean;
    /** The kernel's `cpuVulnerabilities` (lib/host.ts) as `name: state`; absent in older runs. */
    readonly cpuVulnerabilities?: readonly string[];
    readonly node: string;
    readonly postgres: string;
    readonly postgresDurability: string;
    readonly chromium: string;
    readonly versions: Readonly<Record<string, string>>;
    readonly commit: string;
    /** 1-minute load average at start and end: above ~2 the machine was shared during the run. */
    readonly loadAverage: { readonly start: number; readonly end: number; readonly max: number };
    /** How the servers were started (environment and Node flags), as the method section states it; absent in older runs. */
    readonly serverEnvironment?: string;
  };
  readonly network: Partial<Record<TargetName, NetworkResult | Unavailable>>;
  readonly memory: Partial<Record<TargetName, MemoryResult | Unavailable>>;
  readonly catchUp: CatchUpResult | Unavailable | undefined;
  readonly append: AppendResult | Unavailable | undefined;
  readonly replay: { readonly postgres: ReplayResult | Unavailable | undefined; readonly pglite: ReplayResult | Unavailable | undefined };
  readonly crypto: CryptoResult | Unavailable | undefined;
  readonly bundle: BundleResult | Unavailable | undefined;
  readonly ingest: IngestResult | Unavailable | undefined;
}

export function isAvailable<T extends object>(value: T | Unavailable | undefined): value is T {
  return value !== undefined && !('unavailable' in value);
}
