import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { DecryptionError, seal } from '../crypto/aead';
import { Keyring } from '../crypto/keyring';
import { engineOf, type DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/types';
import { liveProjector } from '../projections/live';
import { allProjections } from '../projections/all';
import { sealedBinaryPage, sealedRowOf, type SealedPage } from './sealed-page';
import { associatedData, EventStore, type SealedRow } from './store';

/** A page's rows as `SealedRow`s, their nonces and ciphertexts as views of the page. */
function rowsOf(page: SealedPage): SealedRow[] {
  const { bytes, rows } = page.records();
  return rows.map((row) => sealedRowOf(bytes, row));
}

describeEachEngine('sealed pages', (engine) => {
  let handle: DatabaseHandle;
  let store: EventStore;
  let keyring: Keyring;

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    keyring = new Keyring(handle.db, randomBytes(32));
    store = new EventStore(handle.db, keyring, liveProjector(allProjections));
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

  it('reads, as one binary page, exactly the sealed columns the table holds, a page at a time', async () => {
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
    const first = await sealedBinaryPage(handle.db, 0, 3);
    expect(first.last).toBe(stored[2]!.position);
    const rest = await sealedBinaryPage(handle.db, first.last!, 1000);
    expect(rest.last).toBe(stored.at(-1)!.position);
    expect([...rowsOf(first), ...rowsOf(rest)]).toEqual(stored);
    expect(rowsOf(first)[0]!.nonce).toBeInstanceOf(Buffer);
    const end = await sealedBinaryPage(handle.db, stored.at(-1)!.position, 10);
    expect(end.last).toBeUndefined();
    expect(rowsOf(end)).toEqual([]);
  });

  it('replays pages decoded as decodeAll decodes their rows, and refuses a page with a row that does not authenticate or is not one JSON value', async () => {
    const rows = await store.readRows({ after: 0, limit: 1000, allCommitted: true });
    const replayed = [];
    for await (const page of store.replayPages(handle.db, 4)) replayed.push(...page);
    expect(replayed).toEqual(await store.decodeAll(rows));

    const last = rows.at(-1)!;
    const insertAfterLast = (db: Kysely<Database>, version: number, sealed: { nonce: Buffer; ciphertext: Buffer }) =>
      sql`insert into events (position, stream, version, type, actor, occurred_at, key_id, nonce, ciphertext, metadata, prev_hash, hash)
        values (${last.position + 1}, ${last.stream}, ${version}, ${last.type}, ${last.actor}, ${last.occurred_at}, ${last.key_id},
          ${sealed.nonce}, ${sealed.ciphertext}, ${JSON.stringify(last.metadata)}, ${last.hash}, ${Buffer.alloc(32)})`.execute(db);
    const replay = async (db: Kysely<Database> = handle.db) => {
      for await (const page of store.replayPages(db, 4)) expect(page.length).toBeGreaterThan(0);
    };

    // A row that authenticates but whose plaintext is two JSON values: the page's values would no longer line
    // up with its rows. Rolled back, since the log refuses deletes.
    const key = await keyring.keyById(last.key_id, handle.db);
    const rolledBack = new Error('rolled back');
    const twoValues = handle.db.transaction().execute(async (tx) => {
      await insertAfterLast(tx, last.version + 1, seal(key, Buffer.from('{"a":1},{"b":2}'), associatedData(last.stream, last.version + 1, last.type)));
      await expect(replay(tx)).rejects.toThrow(/plaintexts parsed as (\d+) JSON values, not \d+/);
      throw rolledBack;
    });
    await expect(twoValues).rejects.toBe(rolledBack);

    // A copy of the last row under another version: its ciphertext is bound to the version it was sealed for.
    await insertAfterLast(handle.db, last.version + 1000, last);
    await expect(replay()).rejects.toThrow(DecryptionError);
  });

  // Last: the rows it adds would slow the comparisons above.
  it('reads edge rows exactly: 64-bit positions, null actor, unicode text, texts that differ in one byte, empty and large bytes, times before 1970', async () => {
    const big = 2 ** 40 + 7;
    const edges = [
      { position: big, stream: 'raum-\u00fc-\u{1F600}', actor: null, occurred: '1969-12-31T23:59:59.999Z', nonce: Buffer.alloc(0), ciphertext: randomBytes(1 << 20), metadata: { correlationId: `\u00e9 \\ "q" \u{1F600}` } },
      { position: big + 1, stream: 'raum-\u00fc-\u{1F601}', actor: 'a', occurred: '2024-05-06T07:08:09.123Z', nonce: randomBytes(12), ciphertext: randomBytes(100), metadata: { commandId: 'c' } },
      { position: big + 2 ** 20, stream: 's', actor: '\u{1F600}\u00fc', occurred: '2262-04-11T23:47:16.854Z', nonce: randomBytes(12), ciphertext: Buffer.alloc(0), metadata: {} },
    ];
    for (const e of edges) {
      await sql`insert into events (position, stream, version, type, actor, occurred_at, key_id, nonce, ciphertext, metadata, prev_hash, hash)
        values (${e.position}, ${e.stream}, 1, ${'t\u00ff\u{1F600}'}, ${e.actor}, ${e.occurred}, ${'k\u00fc'}, ${e.nonce}, ${e.ciphertext}, ${JSON.stringify(e.metadata)}, ${Buffer.alloc(32)}, ${Buffer.alloc(32)})`.execute(handle.db);
    }
    // Bytes as hex: toEqual compares a Buffer element by element, which takes seconds for a megabyte.
    const plain = (rows: readonly SealedRow[]) => rows.map((row) => ({ ...row, nonce: row.nonce.toString('hex'), ciphertext: row.ciphertext.toString('hex') }));
    const stored = await store.readRows({ after: big - 1, limit: 10, allCommitted: true });
    const rows = rowsOf(await sealedBinaryPage(handle.db, big - 1, 10));
    expect(rows.map((r) => r.position)).toEqual([big, big + 1, big + 2 ** 20]);
    expect(plain(rows)).toEqual(plain(stored.map(({ transaction_id: _t, prev_hash: _p, hash: _h, ...row }) => row)));
    expect(rows.map((r) => r.occurred_at.toISOString())).toEqual(edges.map((e) => e.occurred));
    expect(rows.map((r) => r.stream)).toEqual(edges.map((e) => e.stream));
    expect(rows[0]!.ciphertext.equals(edges[0]!.ciphertext)).toBe(true);
    expect(rows[0]!.metadata).toEqual(edges[0]!.metadata);
  });
});
