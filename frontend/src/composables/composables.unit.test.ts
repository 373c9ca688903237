import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref, type EffectScope } from 'vue';
import type { MessageRow } from '../db/replica';
import { useSessionStore } from '../stores/session';
import { PAGE_SIZE } from '../sync/fetchers';
import { ChatClient } from '../sync/chat-client';
import { useDraft } from './useDraft';
import { useRooms } from './useRooms';
import { useSearch } from './useSearch';
import { INITIAL_WINDOW } from '../timeline/window';
import { useTimeline } from './useTimeline';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to 2 s) for live queries and debounced saves to catch up. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await wait(10);
  expect(await check()).toBe(true);
}

describe('stores and composables over the replica', () => {
  let client: ChatClient;
  let scope: EffectScope;

  beforeEach(() => {
    setActivePinia(createPinia());
    client = new ChatClient({ id: crypto.randomUUID(), username: 'me', isAdmin: false });
    useSessionStore().client = client;
    scope = effectScope();
  });
  afterEach(async () => {
    scope.stop();
    await client.stop(true);
  });

  it('keeps a draft per room across a room switch and a fresh load, and hands it over on send', async () => {
    const room = ref('room-a');
    const draft = scope.run(() => useDraft(room))!;
    draft.text.value = 'half a thought';
    await until(async () => (await client.db.drafts.get('room-a'))?.text === 'half a thought');

    room.value = 'room-b';
    await until(() => draft.text.value === '');
    draft.text.value = 'for b';
    room.value = 'room-a'; // switching saves b's draft at once
    await until(() => draft.text.value === 'half a thought');
    expect(await client.db.drafts.get('room-b')).toEqual({ roomId: 'room-b', text: 'for b' });

    const again = effectScope().run(() => useDraft(ref('room-b')))!; // as after a reload
    await until(() => again.text.value === 'for b');

    expect(draft.take()).toBe('half a thought');
    expect(draft.text.value).toBe('');
    await until(async () => (await client.db.drafts.get('room-a')) === undefined);
  });

  it('shows delivered messages and pending ones from the outbox in one timeline', async () => {
    const room = ref('room-a');
    const timeline = scope.run(() => useTimeline(room))!;
    await client.db.messages.put({ id: 'm1', roomId: 'room-a', position: 5, authorId: 'bob', body: 'hi', at: new Date().toISOString(), reactions: [] });
    await client.db.messages.put({ id: 'm2', roomId: 'room-b', position: 6, authorId: 'bob', body: 'elsewhere', at: new Date().toISOString(), reactions: [] });
    const id = await client.outbox.send('room-a', 'on its way');
    const messages = () => timeline.rows.value.flatMap((r) => (r.kind === 'message' ? [[r.message.id, r.message.delivery?.state ?? 'delivered']] : []));
    await until(() => messages().length === 2);
    expect(messages()).toEqual([
      ['m1', 'delivered'],
      [id, 'pending'],
    ]);
    expect(timeline.newestPosition.value).toBe(5);
  });

  it('shows a window of the newest held rows, grows it over held rows first, then fetches older pages', async () => {
    const held = INITIAL_WINDOW + 50;
    const at = new Date().toISOString();
    await client.db.messages.bulkPut(
      Array.from({ length: held }, (_, i) => ({ id: `m${i + 1}`, roomId: 'r', position: i + 1, authorId: 'bob', body: 'x', at, reactions: [] })),
    );
    // The server's older page (positions 0 and below) as the real fetcher would store it.
    const fetchPage = vi.spyOn(client, 'loadOlder').mockImplementation(async (roomId) => {
      await client.db.messages.bulkPut(
        Array.from({ length: PAGE_SIZE }, (_, i) => ({ id: `old${i}`, roomId, position: -i, authorId: 'bob', body: 'x', at, reactions: [] })),
      );
    });
    const timeline = scope.run(() => useTimeline(ref('r')))!;
    const positions = () => timeline.rows.value.flatMap((r) => (r.kind === 'message' ? [r.message.position] : []));
    await until(() => positions().length === INITIAL_WINDOW);
    expect(positions()[0]).toBe(held - INITIAL_WINDOW + 1);
    expect(timeline.newestPosition.value).toBe(held);

    await timeline.loadOlder();
    await until(() => positions().length === held);
    expect(positions()[0]).toBe(1);
    expect(fetchPage).not.toHaveBeenCalled();

    await timeline.loadOlder();
    await until(() => positions().length === held + PAGE_SIZE);
    expect(fetchPage).toHaveBeenCalledTimes(1);
    expect(positions()[0]).toBe(-(PAGE_SIZE - 1));
  });

  it('asks for a page as the room opens, before the window has read anything, and still shows rows arriving later', async () => {
    const at = new Date().toISOString();
    const row = (position: number) => ({ id: `m${position}`, roomId: 'r', position, authorId: 'bob', body: 'x', at, reactions: [] });
    await client.db.messages.bulkPut([row(1), row(2)]);
    // The server has nothing older, as the real fetcher would record it.
    const fetchPage = vi.spyOn(client, 'loadOlder').mockImplementation(async (roomId) => {
      await client.db.history.put({ roomId, hasMore: false });
    });
    const timeline = scope.run(() => useTimeline(ref('r')))!;
    await timeline.loadOlder(); // as RoomTimeline does on mount
    expect(fetchPage).toHaveBeenCalledTimes(1);

    await client.db.messages.put(row(3));
    const positions = () => timeline.rows.value.flatMap((r) => (r.kind === 'message' ? [r.message.position] : []));
    await until(() => positions().length === 3);
    expect(positions()).toEqual([1, 2, 3]);
  });

  it('keeps the rows above in place while the user reads back, and goes back to the newest rows at the bottom', async () => {
    const at = new Date().toISOString();
    const row = (position: number) => ({ id: `m${position}`, roomId: 'r', position, authorId: 'bob', body: 'x', at, reactions: [] });
    const held = INITIAL_WINDOW + 10;
    await client.db.messages.bulkPut(Array.from({ length: held }, (_, i) => row(i + 1)));
    const following = ref(true);
    const timeline = scope.run(() => useTimeline(ref('r'), following))!;
    const positions = () => timeline.rows.value.flatMap((r) => (r.kind === 'message' ? [r.message.position] : []));
    await until(() => positions().length === INITIAL_WINDOW);
    const firstInView = positions()[0];

    following.value = false;
    await client.db.messages.bulkPut([row(held + 1), row(held + 2)]);
    await until(() => timeline.newestPosition.value === held + 2);
    expect(positions()[0]).toBe(firstInView);
    expect(positions()).toHaveLength(INITIAL_WINDOW + 2);

    following.value = true;
    await until(() => positions().length === INITIAL_WINDOW);
    expect(positions().at(-1)).toBe(held + 2);
  });

  it('grows the window to reach a position held beyond it', async () => {
    const at = new Date().toISOString();
    const held = INITIAL_WINDOW * 3;
    await client.db.messages.bulkPut(
      Array.from({ length: held }, (_, i) => ({ id: `m${i + 1}`, roomId: 'r', position: i + 1, authorId: 'bob', body: 'x', at, reactions: [] })),
    );
    await client.db.history.put({ roomId: 'r', hasMore: false });
    const timeline = scope.run(() => useTimeline(ref('r')))!;
    await timeline.reach(42);
    const first = timeline.rows.value.find((r) => r.kind === 'message');
    expect(first?.kind === 'message' && first.message.position).toBe(42);
  });

  it('finds bodies case-insensitively across rooms, newest position first, at most 50', async () => {
    // Ids are not in position order, so the primary key's order cannot stand in for the positions'.
    const rows: MessageRow[] = Array.from({ length: 200 }, (_, i) => ({
      id: `${(i * 7919) % 200}`.padStart(4, '0'),
      roomId: `room-${i % 3}`,
      position: i + 1,
      authorId: 'bob',
      body: i % 5 === 4 ? null : i % 2 === 0 ? `Hello World ${i}` : `bye ${i}`,
      at: new Date().toISOString(),
      reactions: [],
    }));
    await client.db.messages.bulkPut(rows);
    const query = ref('');
    const { results } = scope.run(() => useSearch(query))!;

    query.value = 'WORLD';
    const expected = rows
      .filter((m) => m.body?.toLowerCase().includes('world'))
      .sort((a, b) => b.position - a.position)
      .slice(0, 50)
      .map((m) => m.position);
    for (let i = 0; i < 200 && results.value.length === 0; i++) await wait(10);
    expect(results.value.map((m) => m.position)).toEqual(expected);
    expect(expected).toHaveLength(50);

    query.value = 'bye 19';
    for (let i = 0; i < 200 && results.value[0]?.body?.startsWith('Hello') !== false; i++) await wait(10);
    expect(results.value.map((m) => m.body)).toEqual(['bye 197', 'bye 195', 'bye 193', 'bye 191']);

    query.value = 'w';
    await nextTick();
    for (let i = 0; i < 200 && results.value.length > 0; i++) await wait(10);
    expect(results.value).toEqual([]);
  });

  it('lists rooms and DMs apart, by name', async () => {
    const { channels, directs } = scope.run(() => useRooms())!;
    await client.db.rooms.bulkPut([
      { id: '1', name: 'random', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 },
      { id: '2', name: 'bob', kind: 'dm', unread: 2, lastPosition: 3, readPosition: 1 },
      { id: '3', name: 'design', kind: 'private', unread: 0, lastPosition: 1, readPosition: 1 },
    ]);
    await until(() => channels.value.length === 2);
    expect(channels.value.map((r) => r.name)).toEqual(['design', 'random']);
    expect(directs.value.map((r) => r.name)).toEqual(['bob']);
  });

  it('moves the read position as far as the user has read, never back, and recounts unread', async () => {
    await client.db.rooms.put({ id: 'r', name: 'general', kind: 'public', unread: 3, lastPosition: 4, readPosition: 1 });
    for (const position of [2, 3, 4]) {
      await client.db.messages.put({ id: `m${position}`, roomId: 'r', position, authorId: 'bob', body: 'x', at: new Date().toISOString(), reactions: [] });
    }
    await client.markRoomRead('r', 3);
    expect(await client.db.rooms.get('r')).toMatchObject({ readPosition: 3, unread: 1 });
    await client.markRoomRead('r', 2);
    expect(await client.db.rooms.get('r')).toMatchObject({ readPosition: 3, unread: 1 });
    await client.markRoomRead('r');
    expect(await client.db.rooms.get('r')).toMatchObject({ readPosition: 4, unread: 0 });
  });
});
