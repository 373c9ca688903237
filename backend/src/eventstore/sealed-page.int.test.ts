import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { Keyring } from '../crypto/keyring';
import { engineOf, type DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { liveProjector } from '../projections/live';
import { allProjections } from '../projections/all';
import { sealedJsonPage, sealedRowsPage } from './sealed-page';
import { EventStore } from './store';

describeEachEngine('sealed pages', (engine) => {
  let handle: DatabaseHandle;
  let store: EventStore;

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    store = new EventStore(handle.db, new Keyring(handle.db, randomBytes(32)), liveProjector(allProjections));
    const room = randomUUID();
    await store.append({
      actor: randomUUID(),
      commandId: randomUUID(),
      correlationId: `it's \\ "q" \u00fc \u{1F600}`,
      occurredAt: new Date('2024-05-06T07:08:09.123Z'),
      events: [
        { stream: `room-${room}`, type: 'room.created', data: { roomId: room, name: 'pages', kind: 'public' } },
        ...Array.from({ length: 4 }, (_, i) => ({ stream: `room-${room}`, type: 'message.sent' as const, data: { messageId: randomUUID(), roomId: room, body: `m${i}` } })),
      ],
    });
    await store.append({ actor: null, occurredAt: new Date(), events: [{ stream: `room-${room}`, type: 'message.sent', data: { messageId: randomUUID(), roomId: room, body: 'system' } }] });
  });
  afterAll(async () => handle?.close());

  it('knows the engine of the handle it was opened on', () => {
    expect(engineOf(handle.db)).toBe(engine.name);
  });

  it('reads, as plain rows and as one JSON page, exactly the sealed columns the table holds, a page at a time', async () => {
    const stored = (await store.readRows({ after: 0, limit: 1000, allCommitted: true })).map((row) => ({
      position: row.position,
      stream: row.stream,
      version: row.version,
      type: row.type,
      actor: row.actor,
      occurred_at: row.occurred_at,
      key_id: row.key_id,
      nonce: row.nonce,
      ciphertext: row.ciphertext,
      metadata: row.metadata,
    }));
    expect(stored.length).toBeGreaterThan(5);
    for (const readPage of [sealedRowsPage, sealedJsonPage]) {
      const first = await readPage(handle.db, 0, 3);
      const rest = await readPage(handle.db, first.at(-1)!.position, 1000);
      expect([...first, ...rest]).toEqual(stored);
      expect(first[0]!.nonce).toBeInstanceOf(Buffer);
      expect(await readPage(handle.db, stored.at(-1)!.position, 10)).toEqual([]);
    }
  });
});
