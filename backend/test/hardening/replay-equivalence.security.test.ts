import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProjections } from '../../src/projections/all';
import { replayProjections } from '../../src/projections/replay';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { securityEngine } from './security-server';
import { tally } from './tally';

/** One user command, with indexes into the users, rooms and messages known so far. */
const command = fc.oneof(
  fc.record({ kind: fc.constant('send'), user: fc.nat(3), room: fc.nat(20), body: fc.string({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('edit'), user: fc.nat(3), message: fc.nat(50), body: fc.string({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('delete'), user: fc.nat(3), message: fc.nat(50) }),
  fc.record({ kind: fc.constant('react'), user: fc.nat(3), message: fc.nat(50), emoji: fc.constantFrom('👍', '🎉', ':ok:') }),
  fc.record({ kind: fc.constant('join'), user: fc.nat(3), room: fc.nat(20) }),
  fc.record({ kind: fc.constant('leave'), user: fc.nat(3), room: fc.nat(20) }),
  fc.record({ kind: fc.constant('read'), user: fc.nat(3), room: fc.nat(20) }),
  fc.record({ kind: fc.constant('create'), user: fc.nat(3), private: fc.boolean() }),
  fc.record({ kind: fc.constant('add'), user: fc.nat(3), room: fc.nat(20), other: fc.nat(3) }),
  fc.record({ kind: fc.constant('dm'), user: fc.nat(3), other: fc.nat(3) }),
  fc.record({ kind: fc.constant('logout'), user: fc.nat(3) }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

describe('deciders and projections under random command sequences', () => {
  let server: TestServer;
  const users: TestClient[] = [];
  const rooms: string[] = [];
  const messages: string[] = [];
  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    for (const name of ['ann', 'ben', 'cat', 'dan']) users.push(await new TestClient(server.url).signUp(name));
    rooms.push((await users[0]!.get('/api/rooms')).json.rooms[0].id);
  });
  afterAll(async () => server?.close());

  /** Applies one command through the API; refusals (4xx) are part of the game, a 5xx is a failure. */
  async function apply(c: Command): Promise<number> {
    const client = users[c.user]!;
    const pick = <T>(list: readonly T[], i: number) => list[i % list.length];
    const room = 'room' in c ? pick(rooms, c.room) : undefined;
    const message = 'message' in c ? (pick(messages, c.message) ?? randomUUID()) : undefined;
    switch (c.kind) {
      case 'send': {
        const id = randomUUID();
        const res = await client.post(`/api/rooms/${room}/messages`, { id, body: c.body });
        if (res.status === 201) messages.push(id);
        return res.status;
      }
      case 'edit':
        return (await client.request('PATCH', `/api/messages/${message}`, { body: c.body })).status;
      case 'delete':
        return (await client.request('DELETE', `/api/messages/${message}`, {})).status;
      case 'react':
        return (await client.post(`/api/messages/${message}/reactions`, { emoji: c.emoji })).status;
      case 'join':
        return (await client.post(`/api/rooms/${room}/join`)).status;
      case 'leave':
        return (await client.post(`/api/rooms/${room}/leave`)).status;
      case 'read':
        return (await client.post(`/api/rooms/${room}/read`, { position: await server.app.services.store.head() })).status;
      case 'create': {
        const res = await client.post('/api/rooms', { name: `r${rooms.length}`, kind: c.private ? 'private' : 'public' });
        if (res.status === 201) rooms.push(res.json.room.id);
        return res.status;
      }
      case 'add':
        return (await client.post(`/api/rooms/${room}/members`, { username: users[c.other]!.user!.username })).status;
      case 'dm': {
        const res = await client.post('/api/dms', { username: users[c.other]!.user!.username });
        if (res.status === 200 && !rooms.includes(res.json.room.id)) rooms.push(res.json.room.id);
        return res.status;
      }
      case 'logout': {
        const status = (await client.post('/api/auth/logout')).status;
        const login = await client.post('/api/auth/login', { username: client.user!.username, password: 'correct horse battery' });
        client.csrfToken = login.json.csrfToken;
        return status;
      }
    }
  }

  it('rebuilds, by replaying the log, exactly the projections that were built live', async () => {
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), async (sequence) => {
        for (const c of sequence) expect(await apply(c), JSON.stringify(c)).toBeLessThan(500);
        commands += sequence.length;
        const report = await replayProjections(server.database.db, server.app.services.store, allProjections);
        expect(report.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([]);
      }),
      { numRuns: 12 },
    );
    console.log(`replay equivalence: ${commands} random commands in 12 sequences`);
    tally({ operationsChecked: commands });
  });
});
