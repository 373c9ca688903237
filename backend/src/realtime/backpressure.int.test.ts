import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { maskedTextFrame, rawWebSocket } from '../../test/raw-ws';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('a reader that stops reading', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, {}, undefined, undefined, undefined, {
      softBackpressure: 32 * 1024,
      hardBackpressure: 256 * 1024,
    });
  });
  afterAll(async () => server?.close());

  it('is closed with 1008 while the server stays bounded, others keep receiving, and it catches up later', { timeout: 180_000 }, async () => {
    const alice = await new TestClient(server.url).signUp('alice');
    const slow = await new TestClient(server.url).signUp('slow');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id as string;
    const since = await server.app.services.store.head();

    const raw = await rawWebSocket(server.url, { Cookie: slow.cookie!, Origin: server.url });
    raw.write(maskedTextFrame(JSON.stringify({ type: 'hello', since })));
    await new Promise((r) => setTimeout(r, 200));
    raw.pause();
    const received: Buffer[] = [];
    let ended = false;
    raw.on('data', (chunk) => received.push(chunk));
    raw.on('close', () => (ended = true));

    const healthy = await alice.socket();
    await healthy.hello(since);

    // As soon as the server gives up on the slow reader, read what it had
    // buffered (a closing socket whose peer never reads is dropped after a while).
    const closedBy1008 = async () => /chatterlink_ws_closes_total\{code="1008"\} [1-9]/.test((await alice.get('/metrics')).text);
    let slowReaderClosed = false;
    const watch = (async () => {
      while (!(await closedBy1008())) await new Promise((r) => setTimeout(r, 100));
      slowReaderClosed = true;
      raw.resume();
    })();

    const rssBefore = process.memoryUsage().rss;
    const body = 'x'.repeat(3900);
    const ids: string[] = [];
    for (let batch = 0; batch < 100 && !slowReaderClosed; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const id = randomUUID();
          ids.push(id);
          await alice.post(`/api/rooms/${room}/messages`, { id, body });
        }),
      );
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    await watch;
    await healthy.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === ids.at(-1), 30_000);
    expect(healthy.events('message.sent')).toHaveLength(ids.length);

    // What the server had buffered for the slow client ends with a 1008 close frame.
    for (let i = 0; i < 100 && !ended; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(true);
    const all = Buffer.concat(received);
    const close = all.lastIndexOf(Buffer.from([0x88]));
    expect(close).toBeGreaterThan(0);
    expect(all.readUInt16BE(close + 2)).toBe(1008);
    const metrics = (await alice.get('/metrics')).text;
    expect(metrics).toMatch(/chatterlink_ws_closes_total\{code="1008"\} [1-9]/);
    // Megabytes of messages went by; the server did not keep them for the slow reader.
    expect(rssGrowth).toBeLessThan(200 * 1024 * 1024);

    // Reconnecting, it catches up on everything it missed.
    const again = await slow.socket();
    await again.hello(since);
    const caughtUp = again.events('message.sent').map((f) => (f.data as { messageId: string }).messageId);
    expect(caughtUp).toHaveLength(ids.length);
    expect(new Set(caughtUp)).toEqual(new Set(ids));
    again.close();
    healthy.close();
  });
});
