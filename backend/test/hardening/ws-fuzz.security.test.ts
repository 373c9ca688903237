import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DatabaseHandle } from '../../src/db/database';
import { rawWebSocket } from '../raw-ws';
import { TestClient } from '../test-app';
import { NodeProcess, nodeEnv } from './node-process';
import { securityEngine } from './security-server';
import { tally } from './tally';

const FUZZ_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** What one fuzzing connection sends: every shape a hostile or broken client could produce. */
function fuzzFrames(room: string, foreignMessage: string): fc.Arbitrary<{ data: string | Buffer; binary: boolean }> {
  const text = (a: fc.Arbitrary<string>) => a.map((data) => ({ data, binary: false }));
  const valid = fc.constantFrom(
    { type: 'send', id: randomUUID(), room, body: 'fuzz' },
    { type: 'edit', id: randomUUID(), message: foreignMessage, body: 'x' },
    { type: 'react', id: randomUUID(), message: foreignMessage, emoji: '🔥' },
    { type: 'hello', since: 0 },
    { type: 'read', room, position: 1 },
  );
  return fc.oneof(
    text(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null')),
    text(fc.tuple(valid, fc.nat()).map(([frame, cut]) => JSON.stringify(frame).slice(0, cut % JSON.stringify(frame).length))),
    text(fc.tuple(valid, fc.string(), fc.jsonValue()).map(([frame, key, value]) => JSON.stringify({ ...frame, [key]: value }))),
    text(fc.constantFrom(
      '[' .repeat(30_000) + ']'.repeat(30_000),
      '{"a":'.repeat(12_000) + '1' + '}'.repeat(12_000),
      JSON.stringify({ type: 'send', id: randomUUID(), room, body: 'x'.repeat(70_000) }),
      JSON.stringify({ __proto__: { isAdmin: true }, constructor: { prototype: { polluted: 1 } }, type: 'send', id: randomUUID(), room, body: 'p' }),
      JSON.stringify({ type: 'hello', since: 1e308 }),
      JSON.stringify({ type: 'hello', since: -1 }),
      JSON.stringify({ type: 'read', room, position: Number.MAX_SAFE_INTEGER + 2 }),
      '\u0000\uffff\ud800',
      '',
    )),
    fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
    fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => ({ data: Buffer.from(bytes), binary: false })),
  );
}

describe('a WebSocket fuzzer against a live server', () => {
  let database: (DatabaseHandle & { url?: string }) | undefined;
  let node: NodeProcess | undefined;
  afterAll(async () => {
    await node?.kill();
    await database?.close();
  });

  it(`survives ${FUZZ_MS / 1000} s of random, truncated, oversized, binary and nested frames, without hurting other clients`, async () => {
    database = await securityEngine.open();
    node = await NodeProcess.start(nodeEnv(database.url!));
    const url = node.url;
    const owner = await new TestClient(url).signUp('owner');
    const room = (await owner.get('/api/rooms')).json.rooms[0].id as string;
    const foreignMessage = randomUUID();
    await owner.post(`/api/rooms/${room}/messages`, { id: foreignMessage, body: 'not yours' });
    const fuzzers = await Promise.all([1, 2, 3, 4].map((i) => new TestClient(url).signUp(`fuzzer${i}`)));
    const normals = await Promise.all([1, 2, 3, 4, 5].map((i) => new TestClient(url).signUp(`normal${i}`)));

    // Ordinary users: each sends a message every 100 ms and times the ack.
    const latencies = { before: [] as number[], during: [] as number[] };
    let phase = 'before' as keyof typeof latencies | 'done';
    const failures: string[] = [];
    const normal = async (client: TestClient) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie: client.cookie! }, origin: url });
      const acks = new Map<string, () => void>();
      ws.on('message', (raw) => {
        const frame = JSON.parse(raw.toString());
        if (frame.type === 'ack') acks.get(frame.id)?.();
        if (frame.type === 'error') failures.push(JSON.stringify(frame));
      });
      ws.on('close', (code) => phase !== 'done' && failures.push(`normal client closed ${code}`));
      await new Promise((r) => ws.once('open', r));
      while (phase !== 'done') {
        const id = randomUUID();
        const started = performance.now();
        const acked = new Promise<void>((resolve) => acks.set(id, resolve));
        ws.send(JSON.stringify({ type: 'send', id, room, body: 'ordinary message' }));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([acked, new Promise<void>((resolve) => (timer = setTimeout(() => (failures.push('ack timed out'), resolve()), 10_000)))]);
        clearTimeout(timer);
        if (phase === 'before' || phase === 'during') latencies[phase].push(performance.now() - started);
        await sleep(100);
      }
      ws.close();
    };
    const normalRuns = Promise.all(normals.map(normal));
    await sleep(5000);

    // The fuzzers, reconnecting whenever the server closes them (1008, 1009, 1007 are expected answers).
    phase = 'during';
    const rss: number[] = [node.rssBytes()];
    const closeCodes = new Map<number, number>();
    const refusals = new Map<string, number>();
    let sent = 0;
    let restFuzz = 0;
    const restFailures: string[] = [];
    const deadline = Date.now() + FUZZ_MS;
    const frames = fuzzFrames(room, foreignMessage);
    const fuzz = async (client: TestClient) => {
      while (Date.now() < deadline) {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie: client.cookie! }, origin: url });
        ws.on('error', () => {});
        ws.on('message', (raw) => {
          const frame = JSON.parse(raw.toString());
          if (frame.type === 'error') refusals.set(frame.code, (refusals.get(frame.code) ?? 0) + 1);
        });
        const closed = new Promise<void>((resolve) => ws.once('close', (code) => (closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1), resolve())));
        await Promise.race([new Promise((r) => ws.once('open', r)), closed]);
        for (const frame of fc.sample(frames, 200)) {
          if (ws.readyState !== WebSocket.OPEN || Date.now() > deadline) break;
          ws.send(frame.data, { binary: frame.binary });
          sent++;
          await sleep(2);
        }
        ws.terminate();
        await closed;
      }
    };
    /** Garbage below the WebSocket layer: random bytes after a valid handshake. */
    const rawFuzz = async (client: TestClient) => {
      while (Date.now() < deadline) {
        const socket = await rawWebSocket(url, { Cookie: client.cookie!, Origin: url });
        socket.on('error', () => {});
        socket.write(randomBytes(64 + Math.floor(Math.random() * 4096)));
        sent++;
        await sleep(50);
        socket.destroy();
      }
    };
    /** Random bodies to every write route: never a 5xx. */
    const restBodies = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.string(), fc.constant('{"id":'), fc.constant('[]'.repeat(20_000)));
    const rest = async (client: TestClient) => {
      const paths = [`/api/rooms/${room}/messages`, `/api/rooms/${room}/read`, '/api/rooms', '/api/dms', `/api/messages/${foreignMessage}/reactions`, '/api/auth/login'];
      while (Date.now() < deadline) {
        for (const body of fc.sample(restBodies, 20)) {
          const path = paths[restFuzz % paths.length]!;
          const res = await client.request('POST', path, body, { 'content-type': 'application/json' });
          restFuzz++;
          if (res.status >= 500) restFailures.push(`${path} ${res.status} ${body.slice(0, 80)}`);
        }
      }
    };
    const sampler = setInterval(() => node!.running && rss.push(node!.rssBytes()), 500);
    await Promise.all([...fuzzers.slice(0, 3).map(fuzz), rawFuzz(fuzzers[3]!), rest(fuzzers[3]!)]);
    clearInterval(sampler);
    rss.push(node.rssBytes());
    await sleep(1000);
    phase = 'done';
    await normalRuns;

    const report = {
      framesSent: sent,
      restRequests: restFuzz,
      closeCodes: Object.fromEntries(closeCodes),
      refusals: Object.fromEntries(refusals),
      rssMiB: { start: Math.round(rss[0]! / 2 ** 20), max: Math.round(Math.max(...rss) / 2 ** 20), end: Math.round(rss.at(-1)! / 2 ** 20) },
      ackP50ms: { before: percentile(latencies.before, 50).toFixed(1), during: percentile(latencies.during, 50).toFixed(1) },
      ackP99ms: { before: percentile(latencies.before, 99).toFixed(1), during: percentile(latencies.during, 99).toFixed(1) },
      normalAcks: latencies.before.length + latencies.during.length,
    };
    console.log('websocket fuzz:', JSON.stringify(report));
    const succeeded =
      !node.running || failures.length > 0 || restFailures.length > 0 || refusals.has('internal_error') || Math.max(...rss) > rss[0]! + 256 * 2 ** 20;
    tally({ attacksTried: sent + restFuzz, attacksSucceeded: succeeded ? 1 : 0 });

    expect(node.running).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(restFailures).toEqual([]);
    expect(refusals.has('internal_error')).toBe(false);
    expect(failures).toEqual([]);
    expect(latencies.during.length).toBeGreaterThan(100);
    // Memory stays bounded: fuzzing does not accumulate state.
    expect(Math.max(...rss)).toBeLessThan(rss[0]! + 256 * 2 ** 20);
    // Other clients unaffected: their p99 stays far from the 10 s give-up (generous: two shared cores).
    expect(percentile(latencies.during, 99)).toBeLessThan(3000);
  });
});
