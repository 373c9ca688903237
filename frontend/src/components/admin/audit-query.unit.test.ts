import { describe, expect, it } from 'vitest';
import { auditQuery, emptyFilter, roomOfStream } from './audit-query';

describe('auditQuery', () => {
  it('sends only the fields that are set, with the page size', () => {
    expect(auditQuery({ ...emptyFilter(), type: ' message.sent ', stream: 'room-1' })).toBe('stream=room-1&type=message.sent&limit=50');
  });

  it('turns local date-times into ISO 8601 and lets the next page override after', () => {
    const query = new URLSearchParams(auditQuery({ ...emptyFilter(), from: '2026-01-02T03:04', after: '7' }, { after: 40 }));
    expect(query.get('from')).toBe(new Date('2026-01-02T03:04').toISOString());
    expect(query.get('after')).toBe('40');
  });

  it('leaves the page size out of exports', () => {
    expect(auditQuery({ ...emptyFilter(), actor: 'u1' }, { forExport: true })).toBe('actor=u1');
  });
});

describe('roomOfStream', () => {
  it('names the room of room streams only', () => {
    expect(roomOfStream('room-abc')).toBe('abc');
    expect(roomOfStream('user-abc')).toBeUndefined();
    expect(roomOfStream('audit')).toBeUndefined();
  });
});
