import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database';
import { Keyring } from '../../src/crypto/keyring';
import { openDatabase } from '../../src/db/database';
import { EventStore } from '../../src/eventstore/store';
import { allProjections } from '../../src/projections/all';
import { liveProjector } from '../../src/projections/live';
import { maskedTextFrame, rawWebSocket } from '../raw-ws';
import { TestClient } from '../test-app';
import { TestSocket } from '../ws-client';
import { NodeProcess, nodeEnv } from './node-process';
import { securityEngine } from './security-server';
import { attack } from './tally';

const MESSAGES = 100_000;
const WAVE = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The scale version of realtime/backpressure.int.test.ts: there the server is
 * in-process with small limits; here it is a separate process with its
 * production limits, its own RSS is measured, and the reader that stopped
 * reading misses 100,000 messages.
 */
describe('a client that stops reading while 100,000 messages go by', () => {
  let database: (DatabaseHandle & { url?: string }) | undefined;
  let node: NodeProcess | undefined;
  afterAll(async () => {
    await node?.kill();
    await database?.close();
  });

  it('is closed with 1008, the server stays bounded, and it catches up afterwards', { timeout: 300_000 }, async () => {
    database = await securityEngine.open();
    const env = nodeEnv(database.url!);
    node = await NodeProcess.start(env);
    const url = node.url;
    const sender = await new TestClient(url).signUp('sender');
    const slow = await new TestClient(url).signUp('slow');
    const room = (await sender.get('/api/rooms')).json.rooms[0].id as string;
    const since = (await sender.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'start' })).json.position as number;

    const raw = await rawWebSocket(url, { Cookie: slow.cookie!, Origin: url });
    raw.write(maskedTextFrame(JSON.stringify({ type: 'hello', since })));
    await sleep(300);
    raw.pause();
    let ended = false;
    raw.on('close', () => (ended = true));
    raw.on('error', () => {});

    const metric = async () => Number(/chatterlink_ws_closes_total\{code="1008"\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);
    const rss = [node.rssBytes()];
    const sampler = setInterval(() => rss.push(node!.rssBytes()), 500);
    // The messages come from a second writer on the same log, as from another node: through
    // REST on this shared machine they would take minutes; the server under test only fans them out.
    const writer = await openDatabase({ engine: 'postgres', url: database.url!, maxConnections: 4 });
    const store = new EventStore(writer.db, new Keyring(writer.db, Buffer.from(env.EVENT_KEY!, 'base64url')), liveProjector(allProjections));
    const body = 'y'.repeat(500);
    const started = performance.now();
    try {
      for (let sent = 0; sent < MESSAGES; sent += WAVE) {
        await Promise.all(
          Array.from({ length: WAVE }, () => {
            const messageId = randomUUID();
            return store.append({
              actor: sender.user!.id,
              commandId: messageId,
              occurredAt: new Date(),
              events: [{ stream: `room-${room}`, type: 'message.sent', data: { messageId, roomId: room, body } }],
            });
          }),
        );
      }
    } finally {
      await writer.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const head = await (async () => {
      const res = await sender.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'end' });
      return res.json.position as number;
    })();
    // The server fans everything out (to nobody but the slow reader) before we look.
    for (let i = 0; i < 600 && (await metric()) === 0; i++) await sleep(100);
    clearInterval(sampler);
    const closedBy1008 = await metric();
    raw.resume();
    for (let i = 0; i < 200 && !ended; i++) await sleep(50);
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    console.log(
      `slow reader: ${MESSAGES} messages appended in ${seconds.toFixed(0)} s (${(MESSAGES / seconds).toFixed(0)}/s); server RSS ${mib(rss[0]!)} → max ${mib(Math.max(...rss))} MiB; 1008 closes: ${closedBy1008}`,
    );

    await attack('a slow reader makes the server buffer without bound', () => {
      expect(closedBy1008).toBeGreaterThanOrEqual(1);
      expect(ended).toBe(true);
      expect(Math.max(...rss)).toBeLessThan(rss[0]! + 300 * 2 ** 20);
    });
    expect(node.running).toBe(true);

    // Reconnecting, it receives every message it missed, once, in order.
    const again = await TestSocket.open(url, { cookie: slow.cookie, origin: url });
    again.send({ type: 'hello', since });
    const ready = await again.waitFor((f) => f.type === 'ready', 180_000);
    console.log(`slow reader caught up ${MESSAGES + 1} messages; ready at ${ready.position}`);
    const caughtUp = again.events('message.sent');
    expect(caughtUp).toHaveLength(MESSAGES + 1);
    expect(caughtUp.at(-1)!.position).toBe(head);
    expect(new Set(caughtUp.map((f) => (f.data as { messageId: string }).messageId)).size).toBe(MESSAGES + 1);
    expect(caughtUp.every((f, i) => i === 0 || (f.position as number) > (caughtUp[i - 1]!.position as number))).toBe(true);
    again.close();
  });
});
