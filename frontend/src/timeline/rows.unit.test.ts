import { describe, expect, it } from 'vitest';
import type { MessageRow, OutboxRow } from '../db/replica';
import { rowIndexAt, timelineRows } from './rows';

const message = (id: string, position: number, at: string, authorId = 'bob'): MessageRow => ({
  id,
  roomId: 'r',
  position,
  authorId,
  body: id,
  at,
  reactions: [],
});
const queued = (id: string, state: OutboxRow['state'] = 'pending'): OutboxRow => ({
  id,
  kind: 'send',
  roomId: 'r',
  body: id,
  state,
  createdAt: '2026-03-10T12:30:00',
});
const now = new Date('2026-03-10T18:00:00');

describe('timelineRows', () => {
  it('separates days and groups close messages of one author', () => {
    const rows = timelineRows(
      [message('a', 1, '2026-03-09T09:00:00'), message('b', 2, '2026-03-10T09:00:00'), message('c', 3, '2026-03-10T09:02:00'), message('d', 4, '2026-03-10T09:03:00', 'eve')],
      [],
      'me',
      now,
    );
    expect(rows.map((r) => (r.kind === 'day' ? r.label : `${r.message.id}${r.message.continued ? '+' : ''}`))).toEqual([
      'Yesterday',
      'a',
      'Today',
      'b',
      'c+',
      'd',
    ]);
  });

  it("shows the user's queued messages after the delivered ones, marked pending or failed", () => {
    const rows = timelineRows([message('a', 1, '2026-03-10T12:00:00')], [queued('p1'), queued('p2', 'failed')], 'me', now);
    expect(rows.filter((r) => r.kind === 'message').map((r) => r.kind === 'message' && [r.message.id, r.message.authorId, r.message.delivery?.state])).toEqual([
      ['a', 'bob', undefined],
      ['p1', 'me', 'pending'],
      ['p2', 'me', 'failed'],
    ]);
  });

  it('shows a message once when it is delivered but still leaving the outbox', () => {
    const rows = timelineRows([message('p1', 5, '2026-03-10T12:30:00', 'me')], [queued('p1')], 'me', now);
    expect(rows.filter((r) => r.kind === 'message')).toHaveLength(1);
  });

  it("shows the user's queued edits, deletions and reactions at once, as sending", () => {
    const change = (id: string, kind: OutboxRow['kind'], fields: Partial<OutboxRow>): OutboxRow => ({ ...queued(id), kind, body: undefined, ...fields });
    const rows = timelineRows(
      [message('a', 1, '2026-03-10T12:00:00'), message('b', 2, '2026-03-10T12:01:00'), message('c', 3, '2026-03-10T12:02:00')],
      [
        change('e1', 'edit', { messageId: 'a', body: 'a, fixed' }),
        change('r1', 'react', { messageId: 'b', emoji: '🎉' }),
        change('d1', 'delete', { messageId: 'c' }),
        change('e2', 'edit', { messageId: 'b', body: 'refused', state: 'failed' }),
      ],
      'me',
      now,
    );
    const shown = rows.flatMap((r) => (r.kind === 'message' ? [r.message] : []));
    expect(shown.map((m) => [m.id, m.body, m.deleted ?? false, m.reactions, m.delivery?.state])).toEqual([
      ['a', 'a, fixed', false, [], 'pending'],
      ['b', 'b', false, [{ emoji: '🎉', users: ['me'] }], 'pending'],
      ['c', null, true, [], 'pending'],
    ]);
  });
});

describe('rowIndexAt', () => {
  const rows = timelineRows(
    [message('a', 10, '2026-03-09T09:00:00'), message('b', 20, '2026-03-10T09:00:00'), message('c', 30, '2026-03-10T09:02:00')],
    [queued('q')],
    'me',
    now,
  );
  const keyAt = (position: number) => rows[rowIndexAt(rows, position)]?.key;

  it('finds the message at a position', () => {
    expect(keyAt(20)).toBe('b');
  });

  it('falls back to the nearest message before the position', () => {
    expect(keyAt(25)).toBe('b');
    expect(keyAt(1_000)).toBe('c');
  });

  it('shows the first message for a position before all of them', () => {
    expect(keyAt(3)).toBe('a');
  });

  it('never picks a day separator or a message still in the outbox', () => {
    expect(rows.map((r) => r.key)).toContain('q');
    expect(keyAt(Number.MAX_SAFE_INTEGER)).toBe('c');
  });

  it('answers -1 for a room without messages', () => {
    expect(rowIndexAt(timelineRows([], [queued('q')], 'me', now), 5)).toBe(-1);
  });
});
