import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Hashes a password with scrypt and a fresh 16-byte salt: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A valid hash of a random password, checked when the user is unknown so both paths cost the same. */
export const DUMMY_HASH = await hashPassword(randomBytes(16).toString('hex'));

/** Constant-time check of `password` against a stored hash; malformed hashes never match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,8}$/.test(x!) ? Number(x) : NaN));
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  // Only parameters at least as strong as ours, and sane enough not to exhaust memory.
  const valid =
    Number.isInteger(n) && n! >= PARAMS.N && n! <= 1 << 20 && (n! & (n! - 1)) === 0 &&
    r! >= 1 && r! <= 32 && p! >= 1 && p! <= 16 && salt.length >= 16 && expected.length === KEY_BYTES;
  if (!valid) return false;
  try {
    const actual = await derive(password, salt, { N: n!, r: r!, p: p! });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
