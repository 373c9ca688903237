import { describe, expect, it } from 'vitest';
import type { RecordedChatEvent } from '../events';
import { foldInto, type Projection } from './projection';
import { SettledRows } from './settled-rows';

/** A counter per id: `add` events create or bump it. */
const counters = {
  table: 'messages',
  keys: (event: RecordedChatEvent) => [(event.data as { messageId: string }).messageId],
  evolve: (row: { id: string; n: number } | undefined, _event: RecordedChatEvent, id: string) => ({ id, n: (row?.n ?? 0) + 1 }),
} as unknown as Projection<'messages'>;

const bump = (messageId: string, position: number) => ({ type: 'message.edited', position, data: { messageId } }) as unknown as RecordedChatEvent;

/** Folds one page as the replay does, and loads it (here: only the settling). */
function page(state: Map<string, object>, settled: SettledRows, events: RecordedChatEvent[]): Map<string, boolean> {
  const changed = new Map<string, boolean>();
  foldInto(counters, state as never, events, changed, settled);
  settled.afterLoad(state, changed);
  return changed;
}

describe('SettledRows', () => {
  it('settles a row loaded new once a whole page passes without changing it', () => {
    const state = new Map<string, object>();
    const settled = new SettledRows();
    page(state, settled, [bump('a', 1), bump('b', 2)]);
    expect([...state.keys()]).toEqual(['a', 'b']);
    page(state, settled, [bump('b', 3), bump('c', 4)]);
    // a went a page unchanged; b changed after its load (it is rewritten at the end, from memory); c is one page old.
    expect([...state.keys()].sort()).toEqual(['b', 'c']);
    expect(settled.claims('a')).toBe(true);
    expect(settled.claims('b')).toBe(false);
    page(state, settled, [bump('d', 5)]);
    expect([...state.keys()].sort()).toEqual(['b', 'd']);
    page(state, settled, []);
    expect([...state.keys()].sort()).toEqual(['b']);
  });

  it('defers, in log order, every later event for a settled row instead of folding it over nothing', () => {
    const state = new Map<string, object>();
    const settled = new SettledRows();
    page(state, settled, [bump('a', 1)]);
    page(state, settled, [bump('x', 2)]);
    const changed = page(state, settled, [bump('a', 3), bump('y', 4), bump('a', 5)]);
    expect(changed.has('a')).toBe(false);
    expect(state.has('a')).toBe(false);
    expect([...settled.late]).toEqual([['a', [bump('a', 3), bump('a', 5)]]]);
  });

  it('never settles a row that was deleted, nor one that existed before the load', () => {
    const state = new Map<string, object>([['old', { id: 'old', n: 1 }]]);
    const settled = new SettledRows();
    settled.afterLoad(state, new Map([['old', true], ['gone', false]]));
    settled.afterLoad(state, new Map());
    expect(state.has('old')).toBe(true);
    expect(settled.claims('old')).toBe(false);
    expect(settled.claims('gone')).toBe(false);
  });
});
