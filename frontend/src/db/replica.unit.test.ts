import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { Replica, REPLICA_V1_STORES } from './replica';

describe('Replica upgrade', () => {
  it('drops the global position index from a version-1 replica and keeps its history and outbox', async () => {
    const user = crypto.randomUUID();
    const old = new Dexie(`chatterlink-${user}`);
    old.version(1).stores(REPLICA_V1_STORES);
    const messages = [1, 2, 3].map((position) => ({ id: `m${position}`, roomId: 'r', position, authorId: 'bob', body: `#${position}`, at: '2026-01-01T00:00:00Z', reactions: [] }));
    const queued = { id: 'c1', kind: 'send', roomId: 'r', body: 'later', state: 'pending', createdAt: '2026-01-01T00:00:00Z' };
    await old.table('messages').bulkPut(messages);
    await old.table('outbox').add(queued);
    await old.table('meta').put({ key: 'lastPosition', value: 3 });
    old.close();

    const db = new Replica(user);
    await db.open();
    expect(db.verno).toBe(2);
    expect(db.messages.schema.indexes.map((index) => index.name)).toEqual(['[roomId+position]']);
    expect(await db.messages.where('[roomId+position]').between(['r', -Infinity], ['r', Infinity]).toArray()).toEqual(messages);
    expect(await db.outbox.toArray()).toEqual([{ ...queued, seq: 1 }]);
    expect(await db.lastPosition()).toBe(3);
    await db.delete();
  });
});
