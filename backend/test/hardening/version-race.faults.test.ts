import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring';
import { openDatabase, type DatabaseHandle } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { ConflictError } from '../../src/errors/errors';
import { EventStore } from '../../src/eventstore/store';
import { allProjections } from '../../src/projections/all';
import { liveProjector } from '../../src/projections/live';
import { describeEachEngine } from '../engines';
import { tally } from './tally';

const ROUNDS = 40;
const WRITERS = 12;

describeEachEngine('writers racing on one stream version', (engine) => {
  const handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const handle of handles.reverse()) await handle.close();
  });

  it(`exactly one of ${WRITERS} wins each of ${ROUNDS} rounds; versions stay contiguous`, async () => {
    const first: DatabaseHandle & { url?: string } = await engine.open();
    handles.push(first);
    await migrateToLatest(first.db);
    // On Postgres, writers come from several pools, as if from several nodes; PGlite is single-process.
    if (first.url) for (let i = 0; i < 3; i++) handles.push(await openDatabase({ engine: 'postgres', url: first.url, maxConnections: 4 }));
    const masterKey = randomBytes(32);
    const stores = handles.map((h) => new EventStore(h.db, new Keyring(h.db, masterKey), liveProjector(allProjections)));
    const roomId = randomUUID();
    const stream = `room-${roomId}`;
    const actor = randomUUID();

    let losers = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const expected = round === 0 ? ('no_stream' as const) : round;
      const outcomes = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, writer) =>
          stores[writer % stores.length]!.append({
            actor,
            occurredAt: new Date(),
            events: [{ stream, type: 'message.sent', data: { messageId: randomUUID(), roomId, body: `round ${round} writer ${writer}` } }],
            expected: { [stream]: expected },
          }),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const { reason } of lost) {
        expect(reason).toBeInstanceOf(ConflictError);
        expect((reason as ConflictError).code).toBe('version_conflict');
      }
      losers += lost.length;
    }

    const events = await stores[0]!.readStream(stream);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
    expect(events.every((e, i) => i === 0 || e.position > events[i - 1]!.position)).toBe(true);
    tally({ faultsInjected: ROUNDS, operationsChecked: ROUNDS * WRITERS, duplicates: events.length - ROUNDS });
    expect(losers).toBe(ROUNDS * (WRITERS - 1));
  });
});
