import { registerEventHandler } from '../../sync/apply-event';

/**
 * `room.author_erased`: someone in this room was crypto-erased. The server can
 * no longer read their messages; this device must not keep showing (or
 * searching) the copies it cached either.
 */
export function registerErasureSync(): void {
  registerEventHandler('room.author_erased', async (db, frame) => {
    const userId = typeof frame.data.userId === 'string' ? frame.data.userId : '';
    const theirs = await db.messages
      .where('[roomId+position]')
      .between([frame.room, -Infinity], [frame.room, Infinity])
      .filter((m) => m.authorId === userId)
      .toArray();
    await db.messages.bulkPut(theirs.map((m) => ({ ...m, body: null, extra: { erased: true } })));
  });
}
