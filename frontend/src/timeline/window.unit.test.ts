import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replica, type MessageRow } from '../db/replica';
import { grownSpan, heldCount, INITIAL_WINDOW, oldestHeld, readWindow, rowReaching, spanFollowing, spanFrom } from './window';

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

  it('reads the newest rows of the room, or every row from a position on, oldest first', async () => {
    expect(await readWindow(db.messages, 'a', { newest: 3 })).toEqual({ roomId: 'a', rows: [message('a', 80), message('a', 90), message('a', 100)] });
    expect((await readWindow(db.messages, 'a', { newest: 50 })).rows.map((m) => m.position)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect((await readWindow(db.messages, 'a', { from: 80 })).rows.map((m) => m.position)).toEqual([80, 90, 100]);
    expect((await readWindow(db.messages, 'a', { from: -Infinity })).rows).toHaveLength(10);
    expect(await readWindow(db.messages, 'none', { newest: 5 })).toEqual({ roomId: 'none', rows: [] });
    expect(await heldCount(db.messages, 'a')).toBe(10);
    expect((await oldestHeld(db.messages, 'a'))?.position).toBe(10);
  });

  it('follows the bottom with a count, and pins the first row in view when the user reads back', () => {
    expect(spanFollowing(true, [message('a', 80)])).toEqual({ newest: INITIAL_WINDOW });
    expect(spanFollowing(false, [message('a', 80), message('a', 90)])).toEqual({ from: 80 });
    expect(spanFollowing(false, [])).toEqual({ from: -Infinity });
  });

  it('grows over held rows first, then makes room for a fetched page', () => {
    expect(grownSpan({ newest: 300 }, 300, 1000, 50)).toEqual({ span: { newest: 1000 }, fetch: false });
    expect(grownSpan({ newest: 300 }, 300, 300, 50)).toEqual({ span: { newest: 350 }, fetch: true });
    expect(grownSpan({ newest: 300 }, 20, 20, 50)).toEqual({ span: { newest: 300 }, fetch: true });
    // The room just opened: the view has read nothing yet, and two rows are held.
    expect(grownSpan({ newest: 300 }, 0, 2, 50)).toEqual({ span: { newest: 300 }, fetch: true });
    expect(grownSpan({ from: 80 }, 3, 10, 50)).toEqual({ span: { from: -Infinity }, fetch: false });
    expect(grownSpan({ from: -Infinity }, 10, 10, 50)).toEqual({ span: { from: -Infinity }, fetch: true });
  });

  it('reaches a held position, the row in place of one not held, and the oldest held when all are newer', async () => {
    expect((await rowReaching(db.messages, 'a', 30))?.position).toBe(30);
    expect((await rowReaching(db.messages, 'a', 35))?.position).toBe(30);
    expect((await rowReaching(db.messages, 'a', 5))?.position).toBe(10);
    expect((await rowReaching(db.messages, 'a', 1000))?.position).toBe(100);
    expect(await rowReaching(db.messages, 'none', 5)).toBeUndefined();
    expect(spanFrom({ newest: 300 }, 30)).toEqual({ from: 30 });
    expect(spanFrom({ from: 20 }, 30)).toEqual({ from: 20 });
    expect(spanFrom({ from: 50 }, 30)).toEqual({ from: 30 });
  });
});
