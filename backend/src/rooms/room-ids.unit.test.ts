import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defaultRoomId, dmRoomId } from './room-ids';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const carol = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

describe('dmRoomId', () => {
  it('is symmetric in its arguments', () => {
    expect(dmRoomId(alice, bob)).toBe(dmRoomId(bob, alice));
    expect(dmRoomId(carol, alice)).toBe(dmRoomId(alice, carol));
  });

  it('is stable across calls', () => {
    expect(dmRoomId(alice, bob)).toBe(dmRoomId(alice, bob));
  });

  it('differs per pair, and for notes to self', () => {
    const ids = [dmRoomId(alice, bob), dmRoomId(alice, carol), dmRoomId(bob, carol), dmRoomId(alice, alice), dmRoomId(bob, bob)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not collide with a default room of a similar name', () => {
    expect(dmRoomId(alice, bob)).not.toBe(defaultRoomId(`${alice}\0${bob}`));
  });
});

describe('defaultRoomId', () => {
  it('ignores case', () => {
    expect(defaultRoomId('General')).toBe(defaultRoomId('general'));
    expect(defaultRoomId('GENERAL')).toBe(defaultRoomId('general'));
  });

  it('differs per name', () => {
    expect(defaultRoomId('general')).not.toBe(defaultRoomId('lobby'));
    expect(defaultRoomId('general')).not.toBe(defaultRoomId('general '));
  });
});

describe('derived ids', () => {
  const samples = [
    defaultRoomId('general'),
    defaultRoomId('Lobby'),
    defaultRoomId('é'),
    dmRoomId(alice, bob),
    dmRoomId(bob, bob),
    ...Array.from({ length: 64 }, (_, i) => defaultRoomId(`room-${i}`)),
    ...Array.from({ length: 64 }, (_, i) => dmRoomId(alice, `user-${i}`)),
  ];

  it('are version-8 UUIDs with the RFC 4122 variant', () => {
    for (const id of samples) expect(id).toMatch(UUID_V8);
  });

  it('pass zod’s UUID check', () => {
    for (const id of samples) expect(z.uuid().safeParse(id).success, id).toBe(true);
  });
});
