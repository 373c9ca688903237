import { registerEventHandler } from '../../sync/apply-event';

/**
 * `room.author_erased`: someone in this room was crypto-erased. The server can
 * no longer read their messages; this device must not keep showing (or
 * searching) the copies it cached either.
 */
export function registerErasureSync(): void {
  registerEventHandler('room.author_erased', async (batch, frame) => {
    const userId = typeof frame.data.userId === 'string' ? frame.data.userId : '';
    await batch.flush(); // the query below reads the table
    const theirs = await batch.db.messages
      .where('[roomId+position]')
      .between([frame.room, -Infinity], [frame.room, Infinity])
      .filter((m) => m.authorId === userId)
      .toArray();
    for (const m of theirs) batch.putMessage({ ...m, body: null, extra: { erased: true } });
  });
}
