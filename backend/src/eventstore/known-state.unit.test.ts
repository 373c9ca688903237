import { describe, expect, it } from 'vitest';
import { KnownState, type ChainEnd } from './known-state';
import type { TouchedIds } from './projected-rows';

const end = (position: number): ChainEnd => ({ position, hash: Buffer.alloc(32, position) });
const ids = (table: string, asked: string[], fresh: string[] = []): TouchedIds => new Map([[table, { ids: asked, fresh: new Set(fresh) }]]);

describe('KnownState', () => {
  it('knows nothing until a read: every batch reads', () => {
    expect(new KnownState().stateFor(['s'], new Map())).toBeUndefined();
  });

  it('learns found and absent streams and rows from a read, and hands out copies of the rows', () => {
    const known = new KnownState();
    known.learn({ end: end(5), generation: 2, versions: new Map([['s', 3]]), touched: { rooms: [{ id: 'r', name: 'a' }] } }, ['s', 'new'], ids('rooms', ['r', 'gone']));
    const state = known.stateFor(['s', 'new'], ids('rooms', ['r', 'gone']))!;
    expect(state).toMatchObject({ end: end(5), generation: 2, fresh: new Map() });
    expect([...state.versions]).toEqual([['s', 3]]);
    expect(state.touched).toEqual({ rooms: [{ id: 'r', name: 'a' }] });
    (state.touched as Record<string, Record<string, unknown>[]>).rooms![0]!.name = 'changed by a projector';
    expect(known.stateFor(['s'], ids('rooms', ['r']))!.touched).toEqual({ rooms: [{ id: 'r', name: 'a' }] });
  });

  it('needs every stream and row known, except rows the events make new, which it lists as fresh', () => {
    const known = new KnownState();
    known.learn({ end: end(1), generation: 0, versions: new Map(), touched: {} }, ['s'], ids('rooms', ['r']));
    expect(known.stateFor(['other'], ids('rooms', ['r']))).toBeUndefined();
    expect(known.stateFor(['s'], ids('rooms', ['r', 'unknown']))).toBeUndefined();
    expect(known.stateFor(['s'], ids('rooms', ['r', 'unknown'], ['unknown']))!.fresh).toEqual(new Map([['rooms', ['unknown']]]));
  });

  it('advances by a batch that followed the end it knows, and forgets everything after one that did not', () => {
    const known = new KnownState();
    known.learn({ end: end(1), generation: 0, versions: new Map([['s', 1]]), touched: { rooms: [{ id: 'r', n: 1 }] } }, ['s'], ids('rooms', ['r', 'x']));
    known.advance(end(1), end(2), new Map([['s', 2]]), new Map([['rooms', { rows: [{ id: 'r', n: 2 }, { id: 'y', n: 0 }, { id: 'new', n: 0 }], gone: ['x'] }]]), ids('rooms', ['r', 'x', 'y', 'new'], ['new']));
    const state = known.stateFor(['s'], ids('rooms', ['r', 'x', 'y']))!;
    expect(state.end).toEqual(end(2));
    expect(state.versions.get('s')).toBe(2);
    expect(state.touched).toEqual({ rooms: [{ id: 'r', n: 2 }, { id: 'y', n: 0 }] });
    // A row its events made new is not kept: asked for again, it is unknown.
    expect(known.stateFor(['s'], ids('rooms', ['new']))).toBeUndefined();
    known.advance(end(7), end(8), new Map(), new Map(), new Map());
    expect(known.stateFor(['s'], new Map())).toBeUndefined();
  });

  it('replaces what it knew with a read as of another end or generation', () => {
    const known = new KnownState();
    known.learn({ end: end(1), generation: 0, versions: new Map([['a', 1]]), touched: {} }, ['a'], new Map());
    known.learn({ end: end(1), generation: 1, versions: new Map([['b', 1]]), touched: {} }, ['b'], new Map());
    expect(known.stateFor(['a'], new Map())).toBeUndefined();
    expect(known.stateFor(['b'], new Map())!.generation).toBe(1);
    known.learn({ end: end(1), generation: 1, versions: new Map([['a', 4]]), touched: {} }, ['a'], new Map());
    expect(known.stateFor(['a', 'b'], new Map())).toBeDefined();
    known.forget();
    expect(known.stateFor([], new Map())).toBeUndefined();
  });

  it('forgets the entry written longest ago past its capacity', () => {
    const known = new KnownState();
    const streams = Array.from({ length: 20_001 }, (_, i) => `s${i}`);
    known.learn({ end: end(1), generation: 0, versions: new Map(), touched: {} }, streams, new Map());
    expect(known.stateFor(['s0'], new Map())).toBeUndefined();
    expect(known.stateFor(['s1', 's20000'], new Map())).toBeDefined();
  });
});
