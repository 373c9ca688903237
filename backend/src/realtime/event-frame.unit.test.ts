import { describe, expect, it } from 'vitest';
import type { RecordedChatEvent } from '../events';
import { toEventFrame } from './event-frame';

const base = { version: 1, actor: 'u1', occurredAt: new Date('2026-01-02T03:04:05.000Z'), metadata: {} };

describe('toEventFrame', () => {
  it('shows room events with their room, actor, time and payload', () => {
    const roomId = '11111111-1111-4111-8111-111111111111';
    const event = { ...base, position: 7, stream: `room-${roomId}`, type: 'message.sent', data: { messageId: 'm', roomId, body: 'hi' } } as RecordedChatEvent;
    expect(toEventFrame(event)).toEqual({
      type: 'event',
      position: 7,
      event: 'message.sent',
      room: roomId,
      actor: 'u1',
      at: '2026-01-02T03:04:05.000Z',
      data: { messageId: 'm', roomId, body: 'hi' },
    });
  });

  it('never shows identity events (they carry password hashes and session ids)', () => {
    const event = {
      ...base,
      position: 1,
      stream: 'user-u1',
      type: 'user.registered',
      data: { userId: 'u1', username: 'a', passwordHash: 'scrypt$...', isAdmin: true },
    } as RecordedChatEvent;
    expect(toEventFrame(event)).toBeUndefined();
  });
});
