import type { HistogramJson } from '../lib/histogram';
import type { ClientSpec, ProtocolName } from './protocols';

/** Where the load generator connects. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly protocol: ProtocolName;
}

/** One open-loop load phase: `rate` sends per second for `durationMs`, round-robin over `senders`. */
export interface LoadPlan {
  readonly rate: number;
  readonly durationMs: number;
  readonly senders: readonly { readonly client: number; readonly room: string }[];
  /** Deliveries each send should produce (the room's subscriber count). */
  readonly fanout: number;
  /** How long to wait after the last send for late deliveries. */
  readonly drainMs: number;
  readonly bodyBytes: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly expected: number;
  readonly delivered: number;
  /** Deliveries still missing at the end of the drain; counted in `latency` at their lower bound. */
  readonly missing: number;
  readonly acks: number;
  readonly errors: number;
  readonly lastError: string | undefined;
  /** Intended send time → receipt, every delivery on every socket, µs. */
  readonly latency: HistogramJson;
  /** Intended send time → ack (ChatterLink only), µs. */
  readonly ack: HistogramJson;
  /** Worst lateness of an actual send behind its schedule, ms (the generator keeping up). */
  readonly maxSendLagMs: number;
  /** Load-generator CPU seconds and wall seconds over the send window plus drain. */
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** Wall seconds of the send window alone. */
  readonly sendSeconds: number;
  /** How long the phase waited for the previous phase's late deliveries to stop first. */
  readonly settleMs: number;
}

export interface BurstResult {
  readonly acked: number;
  readonly errors: number;
  readonly lastError: string | undefined;
  readonly ms: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

export interface ResumeResult {
  readonly events: number;
  readonly ms: number;
}

export type Request =
  | { readonly cmd: 'connect'; readonly endpoint: Endpoint; readonly clients: readonly ClientSpec[]; readonly concurrency: number; readonly sourceAddresses: number }
  | { readonly cmd: 'load'; readonly plan: LoadPlan }
  | { readonly cmd: 'burst'; readonly client: number; readonly room: string; readonly count: number; readonly bodyBytes: number }
  | { readonly cmd: 'resume'; readonly endpoint: Endpoint; readonly client: ClientSpec }
  | { readonly cmd: 'close' }
  | { readonly cmd: 'exit' };

export type Reply =
  | { readonly ok: true; readonly connected?: number; readonly ms?: number; readonly load?: LoadResult; readonly burst?: BurstResult; readonly resume?: ResumeResult }
  | { readonly ok: false; readonly error: string };
