import type { ClientFrame } from '@chatterlink/schema/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../api/connection';
import { Replica } from '../db/replica';
import { Outbox, type OutboxEnv } from './outbox';

/** The outbox's side of a WebSocket: records frames; the test plays the server. */
class FakeSocket {
  live = true;
  readonly sent: ClientFrame[] = [];
  #waiting: (() => void)[] = [];

  send(frame: ClientFrame): boolean {
    if (!this.live) return false;
    this.sent.push(frame);
    for (const wake of this.#waiting.splice(0)) wake();
    return true;
  }

  /** Resolves once `count` frames have been sent in total. */
  async until(count: number): Promise<void> {
    while (this.sent.length < count) await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Outbox', () => {
  let db: Replica;
  let socket: FakeSocket;
  let outbox: Outbox;
  let ids: number;
  let sleeps: number[];
  const room = '00000000-0000-4000-8000-000000000001';

  function makeOutbox(env: Partial<OutboxEnv> = {}): Outbox {
    return new Outbox(db, 'me', socket, {
      now: () => '2026-01-02T03:04:05.000Z',
      newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
      sleep: async (ms) => void sleeps.push(ms),
      replyTimeoutMs: 5_000,
      ...env,
    });
  }

  beforeEach(() => {
    db = new Replica(`test-${crypto.randomUUID()}`);
    socket = new FakeSocket();
    ids = 0;
    sleeps = [];
    outbox = makeOutbox();
  });
  afterEach(async () => {
    outbox.setLive(false);
    await db.delete();
  });

  const ack = (id: string, position: number | null): Reply => ({ type: 'ack', id, position });
  const idOf = (frame: ClientFrame | undefined) => (frame && 'id' in frame ? frame.id : undefined);

  it('keeps a message as pending at once, with the id made when the user acted', async () => {
    const id = await outbox.send(room, 'hello');
    expect(await db.outbox.toArray()).toEqual([
      { seq: 1, id, kind: 'send', roomId: room, body: 'hello', state: 'pending', createdAt: '2026-01-02T03:04:05.000Z' },
    ]);
    expect(socket.sent).toEqual([]); // neither live nor leader yet
  });

  it('delivers one command at a time, in order, and forgets each once acknowledged', async () => {
    const first = await outbox.send(room, 'one');
    const second = await outbox.send(room, 'two');
    outbox.setLeader(true);
    outbox.setLive(true);
    await socket.until(1);
    await settle();
    expect(socket.sent).toEqual([{ type: 'send', id: first, room, body: 'one' }]);
    outbox.handleReply(ack(first, 10));
    await socket.until(2);
    expect(socket.sent[1]).toEqual({ type: 'send', id: second, room, body: 'two' });
    outbox.handleReply(ack(second, 11));
    await settle();
    expect(await db.outbox.count()).toBe(0);
    const delivered = await db.messages.toCollection().sortBy('position');
    expect(delivered.map((m) => [m.id, m.position, m.body, m.authorId])).toEqual([
      [first, 10, 'one', 'me'],
      [second, 11, 'two', 'me'],
    ]);
  });

  it('resends an unacknowledged command under the same id after the connection returns', async () => {
    const id = await outbox.send(room, 'survives');
    outbox.setLeader(true);
    outbox.setLive(true);
    await socket.until(1);
    outbox.setLive(false); // the socket dropped before the ack
    socket.live = false;
    await settle();
    expect(await db.outbox.count()).toBe(1);
    socket.live = true;
    outbox.setLive(true);
    await socket.until(2);
    expect(socket.sent.map(idOf)).toEqual([id, id]);
    outbox.handleReply({ type: 'ack', id, position: 7, duplicate: true });
    await settle();
    expect(await db.outbox.count()).toBe(0);
    expect((await db.messages.get(id))?.position).toBe(7);
  });

  it('resends under the same id when no answer comes in time', async () => {
    outbox = makeOutbox({ replyTimeoutMs: 10 });
    const id = await outbox.send(room, 'slow');
    outbox.setLeader(true);
    outbox.setLive(true);
    await socket.until(2);
    expect(socket.sent.map(idOf)).toEqual([id, id]);
    outbox.handleReply(ack(id, 3));
    await settle();
    expect(await db.outbox.count()).toBe(0);
  });

  it('marks a refused command failed, then retries it with its id or discards it on request', async () => {
    const refused = await outbox.send(room, 'not allowed');
    const next = await outbox.send(room, 'fine');
    outbox.setLeader(true);
    outbox.setLive(true);
    await socket.until(1);
    outbox.handleReply({ type: 'error', id: refused, code: 'not_a_member', message: 'Join the room first.' });
    await socket.until(2);
    expect(idOf(socket.sent[1])).toBe(next); // a failure does not block what follows
    outbox.handleReply(ack(next, 5));
    await settle();
    expect(await db.outbox.toArray()).toMatchObject([{ id: refused, state: 'failed', error: 'Join the room first.' }]);

    await outbox.retry(refused);
    await socket.until(3);
    expect(idOf(socket.sent[2])).toBe(refused);
    outbox.handleReply({ type: 'error', id: refused, code: 'not_a_member', message: 'Still no.' });
    await settle();
    await outbox.discard(refused);
    expect(await db.outbox.count()).toBe(0);
  });

  it('waits and tries again after a retryable refusal such as a rate limit', async () => {
    const id = await outbox.send(room, 'busy');
    outbox.setLeader(true);
    outbox.setLive(true);
    await socket.until(1);
    outbox.handleReply({ type: 'error', id, code: 'rate_limited', message: 'Slow down.' });
    await socket.until(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(0);
    expect(socket.sent.map(idOf)).toEqual([id, id]);
  });

  it('only the leader tab delivers', async () => {
    await outbox.send(room, 'from any tab');
    outbox.setLive(true);
    await settle();
    expect(socket.sent).toEqual([]);
    outbox.setLeader(true);
    await socket.until(1);
    expect(socket.sent).toHaveLength(1);
  });

  it('turns edits, deletions and reactions into their frames', async () => {
    const message = '00000000-0000-4000-8000-0000000000aa';
    const edit = await outbox.edit(room, message, 'fixed');
    const remove = await outbox.delete(room, message);
    const react = await outbox.react(room, message, '👍');
    outbox.setLeader(true);
    outbox.setLive(true);
    for (const [n, id] of [edit, remove, react].entries()) {
      await socket.until(n + 1);
      outbox.handleReply(ack(id, null));
    }
    await settle();
    expect(socket.sent).toEqual([
      { type: 'edit', id: edit, message, body: 'fixed' },
      { type: 'delete', id: remove, message },
      { type: 'react', id: react, message, emoji: '👍' },
    ]);
    expect(await db.messages.count()).toBe(0);
  });
});
