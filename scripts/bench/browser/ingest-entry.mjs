// Bundled for the browser by the client benchmark: the PWA's own replica (Dexie schema) and event path.
import { Replica } from '../../../frontend/src/db/replica';
import { applyEvent } from '../../../frontend/src/sync/apply-event';

const ROOM = '00000000-0000-4000-8000-000000000001';
const ME = '00000000-0000-4000-8000-000000000002';
const AUTHOR = '00000000-0000-4000-8000-000000000003';

function frame(position) {
  const messageId = `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`;
  return {
    type: 'event',
    position,
    event: 'message.sent',
    room: ROOM,
    actor: AUTHOR,
    at: new Date(1_700_000_000_000 + position).toISOString(),
    data: { messageId, roomId: ROOM, body: 'x'.repeat(200) },
  };
}

async function freshReplica(name) {
  const db = new Replica(`${name}-${Date.now()}`);
  await db.open();
  await db.rooms.put({ id: ROOM, name: 'bench', kind: 'public', unread: 0, lastPosition: 0, readPosition: 0 });
  return db;
}

/** Messages two ways: as catch-up applies them (a transaction per event) and as a history page stores them (one bulkPut). */
window.benchIngest = async (count, applyCount) => {
  const live = await freshReplica('bench-apply');
  let start = performance.now();
  for (let position = 1; position <= applyCount; position++) await applyEvent(live, frame(position), ME);
  const applyMs = performance.now() - start;
  const applied = await live.messages.count();
  live.close();

  const bulk = await freshReplica('bench-bulk');
  const rows = Array.from({ length: count }, (_, i) => {
    const f = frame(i + 1);
    return { id: f.data.messageId, roomId: ROOM, position: f.position, authorId: AUTHOR, body: f.data.body, at: f.at, reactions: [] };
  });
  start = performance.now();
  await bulk.transaction('rw', bulk.messages, () => bulk.messages.bulkPut(rows));
  const bulkMs = performance.now() - start;
  const stored = await bulk.messages.count();
  bulk.close();
  return { applyMs, applied, bulkMs, stored };
};
