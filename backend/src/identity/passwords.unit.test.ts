import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';

const FORMAT = /^scrypt\$16384\$8\$1\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

describe('hashPassword', () => {
  it('writes scrypt$16384$8$1$salt$hash with a 16-byte salt and a 32-byte key', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const match = FORMAT.exec(stored);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(match![2]!, 'base64url')).toHaveLength(32);
  });

  it('salts: the same password hashes differently each time', async () => {
    const a = await hashPassword('same password');
    const b = await hashPassword('same password');
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('DUMMY_HASH has the same format', () => {
    expect(DUMMY_HASH).toMatch(FORMAT);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses wrong ones', async () => {
    const stored = await hashPassword('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', stored)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', stored)).toBe(false);
    expect(await verifyPassword('s3cret-pass ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('refuses any password against DUMMY_HASH', async () => {
    expect(await verifyPassword('password', DUMMY_HASH)).toBe(false);
  });

  it('returns false for malformed stored strings', async () => {
    const stored = await hashPassword('s3cret-pass');
    const [, , , , salt, hash] = stored.split('$') as [string, string, string, string, string, string];
    const malformed = [
      '',
      'not a hash',
      'scrypt',
      'scrypt$16384$8$1',
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16384$8$1$${salt}$`,
      `scrypt$16384$8$1$$${hash}`,
      `bcrypt$16384$8$1$${salt}$${hash}`,
      `SCRYPT$16384$8$1$${salt}$${hash}`,
      `scrypt$16384$8$1$${salt}$${hash.slice(0, -4)}`,
      `scrypt$16384$8$1$${salt}$${hash}AAAA`,
      `$2b$12$${salt}${hash}`,
    ];
    for (const text of malformed) {
      expect(await verifyPassword('s3cret-pass', text), text).toBe(false);
    }
  });

  it('uses the parameters stored with the hash', async () => {
    const stored = await hashPassword('s3cret-pass');
    const [, , , , salt, hash] = stored.split('$') as [string, string, string, string, string, string];
    // Other (valid) cost parameters derive another key, so the same salt and hash no longer match.
    expect(await verifyPassword('s3cret-pass', `scrypt$1024$8$1$${salt}$${hash}`)).toBe(false);
    expect(await verifyPassword('s3cret-pass', `scrypt$16384$8$2$${salt}$${hash}`)).toBe(false);
  });

  it('normalises passwords to NFKC', async () => {
    const ligature = await hashPassword('\uFB01nesse-password'); // 'ﬁ' ligature
    expect(await verifyPassword('finesse-password', ligature)).toBe(true);
    const plain = await hashPassword('finesse-password');
    expect(await verifyPassword('\uFB01nesse-password', plain)).toBe(true);
    // Composed and decomposed accents are the same password.
    const composed = await hashPassword('caf\u00e9-au-lait');
    expect(await verifyPassword('cafe\u0301-au-lait', composed)).toBe(true);
    // Normalisation does not fold case.
    expect(await verifyPassword('FINESSE-password', ligature)).toBe(false);
  });

  it('handles non-ASCII passwords', async () => {
    const stored = await hashPassword('пароль-🔑-密码');
    expect(await verifyPassword('пароль-🔑-密码', stored)).toBe(true);
    expect(await verifyPassword('пароль-🔒-密码', stored)).toBe(false);
  });
});

describe('verifyPassword on hostile stored parameters (regression)', () => {
  it('never throws and never matches with empty, non-numeric, weak or huge parameters', async () => {
    const stored = await hashPassword('s3cret-pass');
    const [, , , , salt, hash] = stored.split('$') as [string, string, string, string, string, string];
    for (const params of ['$$', 'abc$8$1', '1000$8$1', '16384$0$1', '16384$8$0', '1073741824$8$1', '16384$8$1$extra']) {
      const text = `scrypt$${params}$${salt}$${hash}`;
      await expect(verifyPassword('s3cret-pass', text), text).resolves.toBe(false);
    }
  });
});
