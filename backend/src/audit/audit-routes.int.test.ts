import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('audit routes', (engine) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let room: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await new TestClient(server.url).signUp('admin');
    alice = await new TestClient(server.url).signUp('alice');
    room = (await alice.post('/api/rooms', { name: 'audited' })).json.room.id;
    for (let i = 0; i < 5; i++) await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `note ${i}` });
  });
  afterAll(async () => server?.close());

  describe('access', () => {
    const routes: [string, string][] = [
      ['GET', '/api/admin/events'],
      ['GET', '/api/admin/events/export'],
      ['GET', '/api/admin/verify'],
      ['POST', '/api/admin/checkpoints'],
      ['POST', `/api/admin/users/${randomUUID()}/erase`],
    ];
    it.each(routes)('%s %s: 401 without a session, 403 for a non-admin', async (method, path) => {
      const anonymous = await new TestClient(server.url).request(method, path, method === 'POST' ? {} : undefined);
      expect(anonymous.status).toBe(401);
      const refused = await alice.request(method, path, method === 'POST' ? {} : undefined);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('forbidden');
    });
  });

  it('pages the decrypted log with filters and next', async () => {
    const first = await admin.get(`/api/admin/events?stream=room-${room}&type=message.sent&limit=3`);
    expect(first.status).toBe(200);
    expect(first.json.events.map((e: { data: { body: string } }) => e.data.body)).toEqual(['note 0', 'note 1', 'note 2']);
    for (const e of first.json.events) {
      expect(e).toMatchObject({ stream: `room-${room}`, type: 'message.sent', actor: alice.user!.id, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    const second = await admin.get(`/api/admin/events?stream=room-${room}&type=message.sent&limit=3&after=${first.json.next}`);
    expect(second.json.events.map((e: { data: { body: string } }) => e.data.body)).toEqual(['note 3', 'note 4']);
    expect(second.json.next).toBeNull();
  });

  it('never shows password hashes, even to admins', async () => {
    const registrations = await admin.get('/api/admin/events?type=user.registered');
    expect(registrations.json.events.map((e: { data: { username: string } }) => e.data.username)).toEqual(['admin', 'alice']);
    expect(registrations.text).not.toContain('scrypt');
    expect(registrations.text).not.toContain('passwordHash');
  });

  it('filters by actor, position range and time', async () => {
    const byAlice = await admin.get(`/api/admin/events?actor=${alice.user!.id}&limit=1000`);
    expect(byAlice.json.events.length).toBeGreaterThan(5);
    expect(byAlice.json.events.every((e: { actor: string }) => e.actor === alice.user!.id)).toBe(true);
    const window = await admin.get('/api/admin/events?after=2&upTo=4');
    expect(window.json.events.map((e: { position: number }) => e.position)).toEqual([3, 4]);
    const future = await admin.get(`/api/admin/events?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(future.json.events).toEqual([]);
    const past = await admin.get(`/api/admin/events?to=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}&limit=2`);
    expect(past.json.events.map((e: { position: number }) => e.position)).toEqual([1, 2]);
  });

  it('refuses bad filters with 400 and records nothing for them', async () => {
    const before = await server.app.services.store.head();
    for (const query of ['limit=0', 'limit=5000', 'after=-1', 'from=yesterday', 'upTo=abc', 'stream=a&stream=b']) {
      const res = await admin.get(`/api/admin/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.error.code).toBe('invalid_input');
    }
    expect(await server.app.services.store.head()).toBe(before);
  });

  it('records every admin read of the log as an audit.read event', async () => {
    await admin.get(`/api/admin/events?type=message.sent&stream=room-${room}`);
    const trail = await admin.get('/api/admin/events?stream=audit&limit=1000');
    const reads = trail.json.events.filter((e: { type: string }) => e.type === 'audit.read');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((e: { actor: string }) => e.actor === admin.user!.id)).toBe(true);
    expect(reads.some((e: { data: { kind: string; filter: Record<string, string> } }) =>
      e.data.kind === 'browse' && e.data.filter.type === 'message.sent' && e.data.filter.stream === `room-${room}`)).toBe(true);
  });

  it('exports NDJSON for a filter, streamed', async () => {
    const res = await fetch(`${server.url}/api/admin/events/export?stream=room-${room}&type=message.sent`, { headers: { cookie: admin.cookie! } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-length')).toBeNull();
    const lines = (await res.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((e) => e.data.body)).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
    const trail = await admin.get('/api/admin/events?stream=audit&type=audit.read&limit=1000');
    expect(trail.json.events.some((e: { data: { kind: string } }) => e.data.kind === 'export')).toBe(true);
  });

  it('exports more events than one page in order, without gaps', async () => {
    const head = await server.app.services.store.head();
    const res = await fetch(`${server.url}/api/admin/events/export?upTo=${head}`, { headers: { cookie: admin.cookie! } });
    const positions = (await res.text()).trim().split('\n').map((line) => JSON.parse(line).position);
    expect(positions).toEqual(Array.from({ length: head }, (_, i) => i + 1));
  });

  it('pulls the export from the database only as fast as the client reads it', async () => {
    const store = server.app.services.store;
    const body = 'x'.repeat(400);
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: 1000 }, () => ({ type: 'message.sent' as const, stream: `room-${room}`, data: { messageId: randomUUID(), roomId: room, body } }));
      await store.append({ actor: alice.user!.id, occurredAt: new Date(), events });
    }
    const pages = vi.spyOn(store, 'readRows');
    try {
      const res = await fetch(`${server.url}/api/admin/events/export?type=message.sent`, { headers: { cookie: admin.cookie! } });
      const reader = res.body!.getReader();
      await reader.read();
      // The client stops reading: the server must stop reading pages once the buffers on the way are full.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const whilePaused = pages.mock.calls.length;
      expect(whilePaused).toBeLessThan(30); // of 40 pages; measured 10-13
      let lines = 0;
      const decoder = new TextDecoder();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) lines += decoder.decode(chunk.value).split('\n').length - 1;
      expect(pages.mock.calls.length).toBeGreaterThan(whilePaused);
      expect(lines).toBeGreaterThan(19_000);
    } finally {
      pages.mockRestore();
    }
  });

  it('verifies the chain and signs checkpoints on demand', async () => {
    const checkpoint = await admin.post('/api/admin/checkpoints');
    expect(checkpoint.status).toBe(201);
    expect(checkpoint.json.checkpoint).toMatchObject({ position: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const verified = await admin.get('/api/admin/verify');
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ ok: true, checkpoint: { position: checkpoint.json.checkpoint.position } });
    expect(verified.json.checked).toBeGreaterThanOrEqual(checkpoint.json.checkpoint.position);
    expect(verified.json.firstBadPosition).toBeUndefined();
  });

  it('answers 404 when erasing a user who does not exist', async () => {
    const res = await admin.post(`/api/admin/users/${randomUUID()}/erase`);
    expect(res.status).toBe(404);
    const malformed = await admin.post('/api/admin/users/not-a-uuid/erase');
    expect(malformed.status).toBe(404);
  });
});
