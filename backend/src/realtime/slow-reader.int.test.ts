import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { maskedTextFrame, rawWebSocket } from '../../test/raw-ws';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

/** Text payloads of the unmasked frames a server sent, whatever the chunking. */
class ServerFrames {
  readonly texts: string[] = [];
  #pending = Buffer.alloc(0);

  push(chunk: Buffer): void {
    let buffer = Buffer.concat([this.#pending, chunk]);
    for (;;) {
      if (buffer.length < 2) break;
      let length = buffer[1]! & 0x7f;
      let header = 2;
      if (length === 126) [length, header] = [buffer.length >= 4 ? buffer.readUInt16BE(2) : Infinity, 4];
      else if (length === 127) [length, header] = [buffer.length >= 10 ? Number(buffer.readBigUInt64BE(2)) : Infinity, 10];
      if (buffer.length < header + length) break;
      if ((buffer[0]! & 0x0f) === 0x1) this.texts.push(buffer.subarray(header, header + length).toString('utf8'));
      buffer = buffer.subarray(header + length);
    }
    this.#pending = Buffer.from(buffer);
  }

  events(): { event: string; actor: string; data: { messageId?: string } }[] {
    return this.texts.filter((t) => t.startsWith('{"type":"event"')).map((t) => JSON.parse(t) as never);
  }
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeEachEngine('a reader falling behind', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    // A wide gap between the soft and the hard limit: the reader is degraded, never closed.
    server = await startTestServer(engine, {}, undefined, undefined, undefined, {
      softBackpressure: 32 * 1024,
      hardBackpressure: 256 * 1024 * 1024,
    });
  });
  afterAll(async () => server?.close());

  it('gets every durable event, in order, and no live-only one until it has caught up; then live ones again', { timeout: 180_000 }, async () => {
    const alice = await new TestClient(server.url).signUp('alice');
    const bob = await new TestClient(server.url).signUp('bob');
    const slow = await new TestClient(server.url).signUp('slow');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id as string;
    const since = await server.app.services.store.head();
    const degraded = async () => Number(/chatterlink_ws_degraded (\d+)/.exec((await alice.get('/metrics')).text)?.[1] ?? 0);

    const raw = await rawWebSocket(server.url, { Cookie: slow.cookie!, Origin: server.url });
    const received = new ServerFrames();
    raw.on('data', (chunk: Buffer) => received.push(chunk));
    raw.write(maskedTextFrame(JSON.stringify({ type: 'hello', since })));
    await until(() => received.texts.some((t) => t.startsWith('{"type":"ready"')));
    raw.pause();

    // Fill the kernel's buffers and then uWS's until the sweep degrades the reader.
    const body = '😀'.repeat(4000);
    const ids: string[] = [];
    while ((await degraded()) === 0) {
      for (let i = 0; i < 10; i++) {
        const id = randomUUID();
        ids.push(id);
        await alice.post(`/api/rooms/${room}/messages`, { id, body });
      }
    }
    const typist = await alice.socket();
    await typist.hello(await server.app.services.store.head());
    typist.send({ type: 'typing', room });
    await typist.waitFor((f) => f.type === 'event' && f.event === 'user.typing');
    const last = randomUUID();
    ids.push(last);
    await alice.post(`/api/rooms/${room}/messages`, { id: last, body: 'after typing' });

    raw.resume();
    await until(() => received.events().some((e) => e.data.messageId === last));
    const sent = received.events().filter((e) => e.event === 'message.sent').map((e) => e.data.messageId);
    expect(sent).toEqual(ids);
    expect(received.events().filter((e) => e.event === 'user.typing')).toEqual([]);

    // Drained: back on the live topics at the next sweep.
    await until(async () => (await degraded()) === 0);
    const other = await bob.socket();
    await other.hello(await server.app.services.store.head());
    other.send({ type: 'typing', room });
    await until(() => received.events().some((e) => e.event === 'user.typing' && e.actor === bob.user!.id));
    typist.close();
    other.close();
    raw.destroy();
  });
});
