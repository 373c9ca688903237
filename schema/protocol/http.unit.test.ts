import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { atMostCodePoints, emoji, id, isUuid, messageBody, messagesQuery, password, roomName, username } from './http';

describe('username', () => {
  it.each(['abc', 'Alice', 'bob_smith', 'j.doe', 'x-y-z', '___', 'a'.repeat(32), 'User123'])('accepts %j', (name) => {
    expect(username.safeParse(name).success).toBe(true);
  });

  it.each(['', 'ab', 'a'.repeat(33), 'with space', 'émile', 'a@b', 'semi;colon', 'tab\tname', 'slash/name', 'abc\n'])(
    'rejects %j',
    (name) => {
      expect(username.safeParse(name).success).toBe(false);
    },
  );
});

describe('password', () => {
  it('accepts 8 to 256 characters', () => {
    expect(password.safeParse('12345678').success).toBe(true);
    expect(password.safeParse('p'.repeat(256)).success).toBe(true);
  });

  it('rejects fewer than 8 or more than 256 characters', () => {
    expect(password.safeParse('1234567').success).toBe(false);
    expect(password.safeParse('').success).toBe(false);
    expect(password.safeParse('p'.repeat(257)).success).toBe(false);
  });
});

describe('atMostCodePoints', () => {
  it('agrees with [...s].length <= max, surrogate pairs and lone halves included', () => {
    const text = fc.string({ maxLength: 40, unit: fc.constantFrom('a', ' ', '😀', '\ud83d', '\ude00') });
    fc.assert(
      fc.property(text, fc.nat(45), (s, max) => {
        expect(atMostCodePoints(s, max)).toBe([...s].length <= max);
      }),
    );
  });
});

describe('messageBody', () => {
  it('accepts ordinary text and keeps it as sent', () => {
    expect(messageBody.parse('  hello  ')).toBe('  hello  ');
    expect(messageBody.safeParse('x').success).toBe(true);
  });

  it('accepts up to 4000 characters', () => {
    expect(messageBody.safeParse('a'.repeat(4000)).success).toBe(true);
    expect(messageBody.safeParse('a'.repeat(4001)).success).toBe(false);
  });

  it('counts code points: an emoji counts as one', () => {
    const smile = '😀';
    expect(smile.length).toBe(2);
    expect(messageBody.safeParse(smile.repeat(4000)).success).toBe(true);
    expect(messageBody.safeParse(smile.repeat(4001)).success).toBe(false);
    expect(messageBody.safeParse(`${smile.repeat(3999)}a`).success).toBe(true);
  });

  it('counts a lone surrogate as one code point, as [...s] does', () => {
    const lone = '\ud83d';
    expect(messageBody.safeParse(lone.repeat(4000)).success).toBe(true);
    expect(messageBody.safeParse(lone.repeat(4001)).success).toBe(false);
    expect(messageBody.safeParse(`${'😀'.repeat(3999)}${lone}`).success).toBe(true);
    expect(messageBody.safeParse(`${lone}${'😀'.repeat(4000)}`).success).toBe(false);
  });

  it.each(['', ' ', '   \n\t ', '\u00a0\u2003'])('rejects empty or white-space-only %j', (body) => {
    expect(messageBody.safeParse(body).success).toBe(false);
  });
});

describe('emoji', () => {
  it.each(['👍', '🎉', ':thumbsup:', '👨‍👩‍👧', '🇫🇷', 'x'.repeat(32)])('accepts %j', (value) => {
    expect(emoji.safeParse(value).success).toBe(true);
  });

  it.each(['', ' ', ':thumbs up:', '👍 ', 'a\nb', 'x'.repeat(33)])('rejects %j', (value) => {
    expect(emoji.safeParse(value).success).toBe(false);
  });

  it('counts code points for the 32 limit', () => {
    expect(emoji.safeParse('😀'.repeat(32)).success).toBe(true);
    expect(emoji.safeParse('😀'.repeat(33)).success).toBe(false);
  });
});

describe('roomName', () => {
  it('trims white space', () => {
    expect(roomName.parse('  random  ')).toBe('random');
  });

  it('accepts 1 to 80 characters after trimming', () => {
    expect(roomName.parse('r')).toBe('r');
    expect(roomName.parse('n'.repeat(80))).toBe('n'.repeat(80));
    expect(roomName.parse(`  ${'n'.repeat(80)}  `)).toBe('n'.repeat(80));
  });

  it('rejects empty, blank or longer names', () => {
    expect(roomName.safeParse('').success).toBe(false);
    expect(roomName.safeParse('    ').success).toBe(false);
    expect(roomName.safeParse('n'.repeat(81)).success).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(roomName.safeParse(42).success).toBe(false);
    expect(roomName.safeParse(undefined).success).toBe(false);
  });
});

describe('messagesQuery', () => {
  it('defaults limit to 50 and leaves before unset', () => {
    expect(messagesQuery.parse({})).toEqual({ limit: 50 });
  });

  it('coerces query strings to numbers', () => {
    expect(messagesQuery.parse({ before: '120', limit: '20' })).toEqual({ before: 120, limit: 20 });
  });

  it('accepts limit from 1 to 200', () => {
    expect(messagesQuery.parse({ limit: '1' }).limit).toBe(1);
    expect(messagesQuery.parse({ limit: '200' }).limit).toBe(200);
  });

  it.each([
    ['limit=0', { limit: '0' }],
    ['limit=201', { limit: '201' }],
    ['limit=1.5', { limit: '1.5' }],
    ['limit=abc', { limit: 'abc' }],
    ['before=-1', { before: '-1' }],
    ['before=0', { before: '0' }],
    ['before=abc', { before: 'abc' }],
    ['before=2.5', { before: '2.5' }],
  ])('rejects %s', (_label, query) => {
    expect(messagesQuery.safeParse(query).success).toBe(false);
  });
});

describe('isUuid', () => {
  const zodUuid = z.uuid();
  const characters = [...'0123456789abcdefABCDEF-gGzZ \u00e9\u0660\u{1F600}'];
  /** A valid UUID with the character at one index replaced. */
  const mutated = fc
    .tuple(fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }), fc.nat(35), fc.constantFrom(...characters), fc.boolean())
    .map(([uuid, at, character, upper]) => {
      const text = upper ? uuid.toUpperCase() : uuid;
      return text.slice(0, at) + character + text.slice(at + 1);
    });
  const scrambled = fc.array(fc.constantFrom(...characters), { minLength: 34, maxLength: 38 }).map((cs) => cs.join(''));

  it('agrees with zod\'s z.uuid() on valid, mutated and random strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), mutated, scrambled, fc.string()), (s) => {
        expect(isUuid(s)).toBe(zodUuid.safeParse(s).success);
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['nil', '00000000-0000-0000-0000-000000000000', true],
    ['max', 'ffffffff-ffff-ffff-ffff-ffffffffffff', true],
    ['max in capitals, as zod refuses it', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', false],
    ['version 0', '6ba7b810-9dad-01d1-80b4-00c04fd430c8', false],
    ['version 9', '6ba7b810-9dad-91d1-80b4-00c04fd430c8', false],
    ['variant c', '6ba7b810-9dad-11d1-c0b4-00c04fd430c8', false],
    ['variant B', '6BA7B810-9DAD-11D1-B0B4-00C04FD430C8', true],
    ['no dashes', '6ba7b8109dad11d180b400c04fd430c8', false],
  ])('%s', (_label, s, valid) => {
    expect(isUuid(s)).toBe(valid);
    expect(zodUuid.safeParse(s).success).toBe(valid);
  });

  it('is what `id` checks, with its message', () => {
    expect(id.safeParse('6ba7b810-9dad-11d1-80b4-00c04fd430c8').success).toBe(true);
    expect(id.safeParse('nope').error?.issues[0]?.message).toBe('must be a UUID');
    expect(id.safeParse(42).success).toBe(false);
  });
});
