import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import { openDatabase } from '../db/database';

const postgres = engines.find((e) => e.name === 'postgres');

describe.runIf(postgres)('erasure across nodes [postgres]', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
  });

  it('a node that had the key cached stops decrypting within seconds of an erasure made on another node', async () => {
    const a = await startTestServer(postgres!);
    servers.push(a);
    const url = (a.database as { url?: string }).url!;
    const b = await startTestServer(postgres!, {}, await openDatabase({ engine: 'postgres', url }), undefined, a.secrets);
    servers.push(b);

    const admin = await new TestClient(a.url).signUp('admin');
    const alice = await new TestClient(b.url).signUp('alice');
    const bob = await new TestClient(b.url).signUp('bob');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id;
    await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'cached on node B' });
    // Node B has decrypted (and cached the key of) alice's message.
    expect((await bob.get(`/api/rooms/${room}/messages`)).json.messages.at(-1).body).toBe('cached on node B');

    expect((await admin.post(`/api/admin/users/${alice.user!.id}/erase`)).status).toBe(200);
    const started = Date.now();
    let last: { body: string | null; erased?: boolean } | undefined;
    while (Date.now() - started < 10_000) {
      last = (await bob.get(`/api/rooms/${room}/messages`)).json.messages.find((m: { author: { id: string } }) => m.author.id === alice.user!.id);
      if (last?.erased) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Each node re-checks destroyed keys every 2 s (KEY_WATCH_INTERVAL_MS); the loop allows for a busy machine.
    expect(last).toMatchObject({ body: null, erased: true });
  });
});
