import { describe, expect, it } from 'vitest';
import type { RecordedChatEvent } from '../events';
import { decideAuditRead, decideEndSessions, decideErase } from './decide';
import { AUDIT_STREAM } from './events';
import { ERASED_PASSWORD_HASH, erasedUsername } from './redact';

const userId = '3f1e0a52-8c4b-4d7e-9f10-2a6b7c8d9e0f';
const roomId = '7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d';
const messageId = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

function recorded(position: number, type: string, data: Record<string, unknown>): RecordedChatEvent {
  return { type, data, position, stream: `room-${roomId}`, version: position, actor: userId, occurredAt: new Date(0), metadata: {} } as RecordedChatEvent;
}

describe('decideAuditRead', () => {
  it('records the kind and the filter as strings in the audit stream', () => {
    const [event] = decideAuditRead('browse', { type: ['message.sent', 'room.joined'], after: 5, from: new Date('2026-01-01T00:00:00Z'), actor: undefined });
    expect(event).toEqual({
      type: 'audit.read',
      stream: AUDIT_STREAM,
      data: { kind: 'browse', filter: { type: 'message.sent,room.joined', after: '5', from: '2026-01-01T00:00:00.000Z' } },
    });
  });
});

describe('decideEndSessions', () => {
  it('revokes each open session in the user stream', () => {
    expect(decideEndSessions(userId, ['s1', 's2'])).toEqual([
      { type: 'session.ended', stream: `user-${userId}`, data: { sessionId: 's1', userId, reason: 'revoked' } },
      { type: 'session.ended', stream: `user-${userId}`, data: { sessionId: 's2', userId, reason: 'revoked' } },
    ]);
    expect(decideEndSessions(userId, [])).toEqual([]);
  });
});

describe('decideErase', () => {
  it('keeps, per sealed event, its position and its payload without personal fields', () => {
    const sealed = [
      recorded(2, 'user.registered', { userId, username: 'alice', passwordHash: 'scrypt$x', isAdmin: false }),
      recorded(9, 'message.sent', { messageId, roomId, body: 'secret' }),
    ];
    const [event] = decideErase(userId, sealed);
    expect(event).toEqual({
      type: 'user.erased',
      stream: `user-${userId}`,
      data: {
        userId,
        redactions: [
          { position: 2, data: { userId, username: erasedUsername(userId), passwordHash: ERASED_PASSWORD_HASH, isAdmin: false } },
          { position: 9, data: { messageId, roomId, body: '' } },
        ],
      },
    });
    expect(JSON.stringify(event)).not.toContain('secret');
    expect(JSON.stringify(event)).not.toContain('alice');
  });

  it("tells each of the person's rooms, so members' clients drop their cached copies", () => {
    const events = decideErase(userId, [], [roomId]);
    expect(events[0]).toEqual({ type: 'room.author_erased', stream: `room-${roomId}`, data: { roomId, userId } });
    expect(events.map((e) => e.type)).toEqual(['room.author_erased', 'user.erased']);
  });
});
