/**
 * The load generator: a separate process (pinned to its own core by the
 * orchestrator) that opens the sockets, sends on a fixed schedule and
 * measures every delivery from the *intended* send time, so a stalled server
 * cannot hide its stall (no coordinated omission). Commands arrive over IPC.
 */
import { randomUUID } from 'node:crypto';
import { Histogram } from '../lib/histogram';
import { openWebSocket, type RawWebSocket } from '../lib/raw-ws';
import type { BurstResult, Endpoint, LoadPlan, LoadResult, Reply, Request, ResumeResult } from './messages';
import { PROTOCOLS, type ClientSpec, type Protocol } from './protocols';

/** Every benchmark body starts `bench|<phase>|<seq>|`; nothing else on the wire contains it. */
const MARKER = Buffer.from('bench|');
const PIPE = 0x7c;

interface Client {
  ws: RawWebSocket;
  readonly waiters: { test: (text: string) => boolean; resolve: (text: string) => void }[];
}

/** Counters of the phase being measured. */
interface Phase {
  readonly id: number;
  readonly fanout: number;
  readonly intendedUs: Float64Array;
  readonly received: Uint32Array;
  readonly latency: Histogram;
  readonly ack: Histogram;
  readonly pendingAcks: Map<string, number>;
  delivered: number;
  acks: number;
  errors: number;
  lastError: string | undefined;
  positions: number[];
}

let protocol: Protocol = PROTOCOLS.minimal;
let clients: Client[] = [];
let phaseCounter = 0;
let phase: Phase | undefined;
/** When any socket last received a frame: a phase starts only once the previous one's backlog has drained. */
let lastFrameAt = 0;
/** ChatterLink commands sent and not yet answered (ack or error), whatever their phase. */
let unanswered = 0;

const nowUs = () => performance.now() * 1000;

function newPhase(sends: number, fanout: number): Phase {
  phaseCounter += 1;
  return {
    id: phaseCounter,
    fanout,
    intendedUs: new Float64Array(sends),
    received: new Uint32Array(sends),
    latency: new Histogram(),
    ack: new Histogram(),
    pendingAcks: new Map(),
    delivered: 0,
    acks: 0,
    errors: 0,
    lastError: undefined,
    positions: [],
  };
}

/** Reads the decimal integer at `at`, up to the next `|`; returns it and where it ended. */
function readInt(payload: Buffer, at: number): { value: number; end: number } {
  let value = 0;
  let i = at;
  for (; i < payload.length && payload[i] !== PIPE; i++) value = value * 10 + (payload[i]! - 48);
  return { value, end: i + 1 };
}

function onDelivery(payload: Buffer, at: number): void {
  const received = nowUs();
  const p = phase;
  if (!p) return;
  const phaseId = readInt(payload, at);
  if (phaseId.value !== p.id) return;
  const seq = readInt(payload, phaseId.end).value;
  if (seq >= p.received.length) return;
  p.received[seq]! += 1;
  p.delivered += 1;
  p.latency.record(received - p.intendedUs[seq]!);
}

function onOther(client: Client, payload: Buffer): void {
  const reply = protocol.reply?.(payload);
  if (reply) return client.ws?.sendText(reply);
  if (client.waiters.length === 0 && !phase && unanswered === 0) return;
  const text = payload.toString('utf8');
  const waiter = client.waiters.findIndex((w) => w.test(text));
  if (waiter >= 0) return client.waiters.splice(waiter, 1)[0]!.resolve(text);
  const answer = text.startsWith('{"type":"ack"') || text.startsWith('{"type":"error"');
  if (answer && unanswered > 0) unanswered -= 1;
  const p = phase;
  if (!p) return;
  if (text.startsWith('{"type":"ack"')) {
    const ack = JSON.parse(text) as { id: string; position: number | null };
    const seq = p.pendingAcks.get(ack.id);
    if (seq === undefined) return;
    p.pendingAcks.delete(ack.id);
    p.acks += 1;
    p.ack.record(nowUs() - p.intendedUs[seq]!);
    if (ack.position !== null) p.positions.push(ack.position);
  } else if (text.startsWith('{"type":"error"') || text.startsWith('44')) {
    p.errors += 1;
    p.lastError = text.slice(0, 300);
  }
}

const HANDSHAKE_TIMEOUT_MS = 30_000;

async function connectOne(endpoint: Endpoint, spec: ClientSpec, localAddress: string): Promise<Client> {
  const client: Client = { ws: undefined!, waiters: [] };
  client.ws = await openWebSocket(
    { host: endpoint.host, port: endpoint.port, path: protocol.path, localAddress, ...(spec.headers ? { headers: spec.headers } : {}) },
    (payload) => {
      lastFrameAt = performance.now();
      const m = payload.indexOf(MARKER);
      if (m >= 0) onDelivery(payload, m + MARKER.length);
      else onOther(client, payload);
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handshake timed out after ${HANDSHAKE_TIMEOUT_MS} ms (${localAddress})`)), HANDSHAKE_TIMEOUT_MS);
  });
  const handshake = protocol.handshake(
    {
      send: (text) => client.ws.sendText(text),
      next: (test) => new Promise((resolve) => client.waiters.push({ test, resolve })),
    },
    spec,
  );
  try {
    await Promise.race([handshake, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

async function connectAll(request: Extract<Request, { cmd: 'connect' }>): Promise<number> {
  protocol = PROTOCOLS[request.endpoint.protocol];
  const slots: (Client | undefined)[] = new Array(request.clients.length);
  let next = 0;
  const worker = async () => {
    while (next < request.clients.length) {
      const i = next++;
      slots[i] = await connectOne(request.endpoint, request.clients[i]!, `127.0.0.${1 + (i % request.sourceAddresses)}`);
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  clients = clients.concat(slots as Client[]);
  return clients.length;
}

function bodyOf(phaseId: number, seq: number, bytes: number): string {
  const head = `bench|${phaseId}|${seq}|`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

const QUIET_MS = 250;
const MAX_SETTLE_MS = 30_000;

async function load(plan: LoadPlan): Promise<LoadResult> {
  const settleStart = performance.now();
  await waitUntil(() => unanswered === 0 && performance.now() - lastFrameAt > QUIET_MS, settleStart + MAX_SETTLE_MS);
  const settleMs = Math.round(performance.now() - settleStart);
  const total = Math.max(1, Math.round((plan.rate * plan.durationMs) / 1000));
  const p = newPhase(total, plan.fanout);
  const interval = 1000 / plan.rate;
  const trackAcks = protocol === PROTOCOLS.chatterlink;
  const cpuBefore = process.cpuUsage();
  const start = performance.now() + 10;
  phase = p;
  let maxLag = 0;
  await new Promise<void>((resolve) => {
    let seq = 0;
    const tick = () => {
      const now = performance.now();
      for (; seq < total; seq++) {
        const at = start + seq * interval;
        if (at > now) break;
        maxLag = Math.max(maxLag, now - at);
        const sender = plan.senders[seq % plan.senders.length]!;
        const id = randomUUID();
        p.intendedUs[seq] = at * 1000;
        if (trackAcks) {
          p.pendingAcks.set(id, seq);
          unanswered += 1;
        }
        clients[sender.client]!.ws.sendText(protocol.sendFrame(sender.room, bodyOf(p.id, seq, plan.bodyBytes), id));
      }
      if (seq < total) setTimeout(tick, Math.max(0, start + seq * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, 10);
  });
  const sendEnd = performance.now();
  const expected = total * plan.fanout;
  await waitUntil(() => p.delivered >= expected && (!trackAcks || p.acks + p.errors >= total), sendEnd + plan.drainMs);
  const end = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  phase = undefined;
  // Deliveries that never came count at the latency they had reached when we stopped waiting.
  p.received.forEach((n, seq) => {
    if (n < plan.fanout) p.latency.record(end * 1000 - p.intendedUs[seq]!, plan.fanout - n);
  });
  return {
    sent: total,
    expected,
    delivered: p.delivered,
    missing: Math.max(0, expected - p.delivered),
    acks: p.acks,
    errors: p.errors,
    lastError: p.lastError,
    latency: p.latency.toJSON(),
    ack: p.ack.toJSON(),
    maxSendLagMs: Math.round(maxLag * 100) / 100,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (end - start) / 1000,
    sendSeconds: (sendEnd - start) / 1000,
    settleMs,
  };
}

/** Sends `count` messages back to back from one client (an outbox flushing) and waits for every ack. */
async function burst(request: Extract<Request, { cmd: 'burst' }>): Promise<BurstResult> {
  const p = newPhase(request.count, 0);
  phase = p;
  const client = clients[request.client]!;
  const start = performance.now();
  for (let seq = 0; seq < request.count; seq++) {
    const id = randomUUID();
    p.intendedUs[seq] = start * 1000;
    p.pendingAcks.set(id, seq);
    unanswered += 1;
    client.ws.sendText(protocol.sendFrame(request.room, bodyOf(p.id, seq, request.bodyBytes), id));
  }
  await waitUntil(() => p.acks + p.errors >= request.count, start + 120_000);
  const ms = performance.now() - start;
  phase = undefined;
  return {
    acked: p.acks,
    errors: p.errors,
    lastError: p.lastError,
    ms: Math.round(ms * 10) / 10,
    firstPosition: p.positions.length ? Math.min(...p.positions) : 0,
    lastPosition: p.positions.length ? Math.max(...p.positions) : 0,
  };
}

/** A client coming back as the PWA does: connects, says hello with its `since` and `batch`, and counts events until `ready`. */
async function resume(endpoint: Endpoint, spec: ClientSpec): Promise<ResumeResult> {
  let events = 0;
  let ready: () => void = () => {};
  const readySeen = new Promise<void>((resolve) => (ready = resolve));
  const start = performance.now();
  const ws = await openWebSocket(
    { host: endpoint.host, port: endpoint.port, path: PROTOCOLS[endpoint.protocol].path, ...(spec.headers ? { headers: spec.headers } : {}) },
    (payload) => {
      const head = payload.subarray(0, 16).toString('latin1');
      if (head.startsWith('{"type":"event"')) events += 1;
      else if (head === '{"type":"events"') events += (JSON.parse(payload.toString('utf8')) as { events: unknown[] }).events.length;
      else if (head.startsWith('{"type":"ready"')) ready();
    },
  );
  ws.sendText(JSON.stringify({ type: 'hello', since: spec.since ?? 0, batch: true }));
  await readySeen;
  const ms = performance.now() - start;
  ws.close();
  return { events, ms: Math.round(ms * 10) / 10 };
}

async function handle(request: Request): Promise<Reply> {
  switch (request.cmd) {
    case 'connect': {
      const start = performance.now();
      const connected = await connectAll(request);
      return { ok: true, connected, ms: Math.round(performance.now() - start) };
    }
    case 'load':
      return { ok: true, load: await load(request.plan) };
    case 'burst':
      return { ok: true, burst: await burst(request) };
    case 'resume':
      return { ok: true, resume: await resume(request.endpoint, request.client) };
    case 'close':
      for (const client of clients) client.ws.close();
      clients = [];
      unanswered = 0;
      return { ok: true };
    case 'exit':
      process.exit(0);
  }
}

// The orchestrator is gone (killed): nothing left to measure for.
process.on('disconnect', () => process.exit(0));
process.on('message', (request: Request) => {
  handle(request).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
  );
});
process.send!({ ok: true } satisfies Reply);
