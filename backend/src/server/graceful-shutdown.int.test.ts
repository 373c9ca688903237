import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient } from '../../test/test-app';

describeEachEngine('graceful shutdown', (engine) => {
  it('closes sockets with 1001, stops accepting, commits every acknowledged message, and signs the head', async () => {
    const database = await engine.open();
    // The server closes its database on the way out; keep ours open to look afterwards.
    const server = await startTestServer(engine, {}, { ...database, close: async () => {} });
    const alice = await new TestClient(server.url).signUp('alice');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id;
    const socket = await alice.socket();
    await socket.hello(0);

    const ids = Array.from({ length: 40 }, () => randomUUID());
    const sends = ids.map((id) =>
      alice.post(`/api/rooms/${room}/messages`, { id, body: `in flight ${id}` }).then(
        (res) => ({ id, status: res.status }),
        () => ({ id, status: 0 }),
      ),
    );
    await Promise.race(sends);
    await server.close();
    const outcomes = await Promise.all(sends);

    expect((await socket.waitForClose()).code).toBe(1001);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    const acked = outcomes.filter((o) => o.status === 201).map((o) => o.id);
    expect(acked.length).toBeGreaterThan(0);
    // Refusals during shutdown are clean answers or cut connections, never a 5xx.
    expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
    const stored = await database.db.selectFrom('messages').select('id').where('id', 'in', ids).execute();
    const storedIds = new Set(stored.map((r) => r.id));
    expect(acked.filter((id) => !storedIds.has(id))).toEqual([]);
    // The last thing it did was sign the head: cutting the log's tail while it is down is detectable.
    const head = await database.db.selectFrom('events').select('position').orderBy('position', 'desc').executeTakeFirstOrThrow();
    const checkpoint = await database.db.selectFrom('checkpoints').select('position').orderBy('position', 'desc').executeTakeFirst();
    expect(checkpoint?.position).toBe(head.position);
    await database.close();
  });
});
