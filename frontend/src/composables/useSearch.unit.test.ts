import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref, type EffectScope } from 'vue';
import type { MessageRow } from '../db/replica';
import { useSessionStore } from '../stores/session';
import { ChatClient } from '../sync/chat-client';
import { useSearch } from './useSearch';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('useSearch', () => {
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
});
