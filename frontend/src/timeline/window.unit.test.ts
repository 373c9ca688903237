import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replica, type MessageRow } from '../db/replica';
import { grownWindow, heldCount, readWindow, windowReaching } from './window';

const message = (roomId: string, position: number): MessageRow => ({
  id: `${roomId}-${position}`,
  roomId,
  position,
  authorId: 'bob',
  body: `#${position}`,
  at: new Date(1_700_000_000_000 + position * 1000).toISOString(),
  reactions: [],
});

describe('the timeline window', () => {
  let db: Replica;

  beforeEach(async () => {
    db = new Replica(crypto.randomUUID());
    // Room a holds positions 10, 20, … 100; room b's rows interleave and must never show up.
    await db.messages.bulkPut([...Array.from({ length: 10 }, (_, i) => message('a', (i + 1) * 10)), message('b', 15), message('b', 200)]);
  });
  afterEach(() => db.delete());

  it('reads the newest rows of the room, oldest first', async () => {
    const window = await readWindow(db.messages, 'a', 3);
    expect(window).toEqual({ roomId: 'a', rows: [message('a', 80), message('a', 90), message('a', 100)] });
    expect((await readWindow(db.messages, 'a', 50)).rows.map((m) => m.position)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(await readWindow(db.messages, 'none', 5)).toEqual({ roomId: 'none', rows: [] });
    expect(await heldCount(db.messages, 'a')).toBe(10);
  });

  it('grows over held rows first, then makes room for a fetched page', () => {
    expect(grownWindow(300, 1000, 50)).toEqual({ size: 1000, fetch: false });
    expect(grownWindow(300, 301, 50)).toEqual({ size: 301, fetch: false });
    expect(grownWindow(300, 300, 50)).toEqual({ size: 350, fetch: true });
    expect(grownWindow(300, 20, 50)).toEqual({ size: 300, fetch: true });
  });

  it('reaches a held position, the row in place of one not held, and the oldest held when all are newer', async () => {
    expect(await windowReaching(db.messages, 'a', 30)).toEqual({ from: 30, size: 8 });
    expect(await windowReaching(db.messages, 'a', 35)).toEqual({ from: 30, size: 8 });
    expect(await windowReaching(db.messages, 'a', 5)).toEqual({ from: 10, size: 10 });
    expect(await windowReaching(db.messages, 'a', 1000)).toEqual({ from: 100, size: 1 });
    expect(await windowReaching(db.messages, 'none', 5)).toEqual({ size: 0 });
    const reached = await windowReaching(db.messages, 'a', 35);
    expect((await readWindow(db.messages, 'a', reached.size)).rows[0]!.position).toBe(reached.from);
  });
});
