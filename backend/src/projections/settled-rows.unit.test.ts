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

/** Folds one page as the replay does, and settles after a load that inserts what TableRewrite's would: the new ids with a row. */
function page(state: Map<string, object>, settled: SettledRows, events: RecordedChatEvent[]): Map<string, boolean> {
  const changed = new Map<string, boolean>();
  foldInto(counters, state as never, events, changed, settled);
  settled.afterLoad(state, changed, [...changed].filter(([id, existed]) => !existed && state.has(id)).map(([id]) => id));
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

  it('settles only rows the load before inserted, and none that changed or went away since', () => {
    const state = new Map<string, object>(['old', 'kept', 'gone'].map((id) => [id, { id, n: 1 }]));
    const settled = new SettledRows();
    settled.afterLoad(state, new Map([['kept', false], ['gone', false]]), ['kept', 'gone']);
    state.delete('gone');
    settled.afterLoad(state, new Map([['gone', true]]), []);
    expect([...state.keys()]).toEqual(['old']);
    expect(settled.claims('kept')).toBe(true);
    expect(settled.claims('old')).toBe(false);
    expect(settled.claims('gone')).toBe(false);
  });
});
