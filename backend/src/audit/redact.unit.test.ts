import { describe, expect, it } from 'vitest';
import { ERASED_PASSWORD_HASH, erasedUsername, redactData } from './redact';

const userId = '0b7a4f8e-5d1c-4a8e-9a57-3e2f1c0d9b6a';

describe('redactData', () => {
  it('blanks message bodies and keeps the ids projections need', () => {
    const data = { messageId: 'm', roomId: 'r', body: 'my secret' };
    expect(redactData('message.sent', data, userId)).toEqual({ messageId: 'm', roomId: 'r', body: '' });
  });

  it('replaces the username and the password hash of a registration', () => {
    const data = { userId, username: 'Alice', passwordHash: 'scrypt$...', isAdmin: true };
    expect(redactData('user.registered', data, userId)).toEqual({
      userId,
      username: erasedUsername(userId),
      passwordHash: ERASED_PASSWORD_HASH,
      isAdmin: true,
    });
  });

  it("drops an upload's preview and blanks its file name, keeping type and size", () => {
    const data = { uploadId: 'u', roomId: 'r', keyId: 'k', name: 'holiday.jpg', mime: 'image/jpeg', size: 10, preview: 'AAAA' };
    expect(redactData('file.uploaded', data, userId)).toEqual({ uploadId: 'u', roomId: 'r', keyId: 'k', name: '', mime: 'image/jpeg', size: 10 });
  });

  it('leaves events without personal fields as they are', () => {
    const data = { messageId: 'm', roomId: 'r', emoji: '👍' };
    expect(redactData('reaction.added', data, userId)).toEqual(data);
  });

  it('makes erased usernames that no registration can take', () => {
    expect(erasedUsername(userId)).not.toMatch(/^[A-Za-z0-9_.-]{3,32}$/);
  });
});
