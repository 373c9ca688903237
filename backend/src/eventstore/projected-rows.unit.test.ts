import { describe, expect, it } from 'vitest';
import { projectedRows, withChanges } from './projected-rows';

describe('withChanges', () => {
  const read = {
    rooms: [
      { id: 'r1', name: 'one' },
      { id: 'r2', name: 'two' },
    ],
    memberships: [{ id: 'm1', role: 'member' }],
  };

  it('answers what the read would have shown after the changes: rows replaced, added and removed', () => {
    const changes = new Map([
      ['rooms', { rows: [{ id: 'r2', name: 'renamed' }, { id: 'r3', name: 'new' }], gone: ['r1'] }],
      ['messages', { rows: [{ id: 'x', deleted: false }], gone: [] }],
    ]);
    const rows = projectedRows(withChanges(read, changes));
    expect(rows.row('rooms', 'r1')).toBeUndefined();
    expect(rows.row('rooms', 'r2')).toEqual({ id: 'r2', name: 'renamed' });
    expect(rows.row('rooms', 'r3')).toEqual({ id: 'r3', name: 'new' });
    expect(rows.row('memberships', 'm1')).toEqual({ id: 'm1', role: 'member' });
    expect(rows.row('messages', 'x')).toEqual({ id: 'x', deleted: false });
  });

  it('leaves the read and the changes as they were, and hands out copies of the changed rows', () => {
    const changed = { id: 'r2', name: 'renamed' };
    const result = withChanges(read, new Map([['rooms', { rows: [changed], gone: [] }]])) as Record<string, Record<string, unknown>[]>;
    expect(read.rooms).toEqual([
      { id: 'r1', name: 'one' },
      { id: 'r2', name: 'two' },
    ]);
    const copy = result.rooms!.find((row) => row.id === 'r2')!;
    copy.name = 'changed in place';
    expect(changed.name).toBe('renamed');
  });

  it('starts from nothing when the read had no rows', () => {
    expect(projectedRows(withChanges(undefined, new Map([['rooms', { rows: [{ id: 'r1' }], gone: [] }]]))).row('rooms', 'r1')).toEqual({ id: 'r1' });
  });
});
