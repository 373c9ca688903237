import type { EventFrame, ServerFrame } from '@chatterlink/schema/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, MAX_BATCH, type ConnectionHooks } from './connection';

/** Just enough of a browser WebSocket for Connection, driven by the test. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  readonly sent: unknown[] = [];
  onopen: (() => void) | undefined;
  onmessage: ((message: { data: string }) => void) | undefined;
  onclose: ((close: { code: number }) => void) | undefined;

  constructor() {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const event = (position: number): EventFrame => ({
  type: 'event',
  position,
  event: 'message.sent',
  room: 'room-1',
  actor: 'bob',
  at: '2026-01-01T00:00:00.000Z',
  data: { messageId: `m${position}` },
});

/** What reached the hooks, in order: batches as their positions, then `ready` and replies. */
type Handed = number[] | 'ready' | `ack ${string}`;

describe('Connection hands events on in batches', () => {
  let handed: Handed[];
  let applying: Promise<void>;
  let stored: number;
  let fail: boolean;
  let connection: Connection;

  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('addEventListener', () => undefined);
    vi.stubGlobal('removeEventListener', () => undefined);
    handed = [];
    applying = Promise.resolve();
    stored = 0;
    fail = false;
    const hooks: ConnectionHooks = {
      since: async () => stored,
      onEvents: async (frames) => {
        handed.push(frames.map((f) => f.position));
        await applying;
        if (fail) throw new Error('not stored');
        stored = frames.at(-1)!.position;
      },
      onReady: async () => {
        handed.push('ready');
      },
      onTyping: () => undefined,
      onPresence: () => undefined,
      onReply: (reply) => handed.push(`ack ${reply.id ?? ''}`),
      onState: () => undefined,
      isSignedOut: async () => false,
    };
    connection = new Connection(hooks, 'ws://test/ws');
    connection.start();
  });
  afterEach(() => {
    connection.stop();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** Opens the newest socket and waits for its `hello`. */
  async function connect(): Promise<FakeSocket> {
    const socket = FakeSocket.all.at(-1)!;
    socket.open();
    await vi.waitFor(() => expect(socket.sent).toContainEqual({ type: 'hello', since: stored, batch: true }));
    return socket;
  }
  const settled = () => new Promise((resolve) => setTimeout(resolve, 10));

  it('holds a catch-up until `ready`, then hands it on as one batch before `ready`', async () => {
    const socket = await connect();
    for (let p = 1; p <= 5; p++) socket.receive(event(p));
    await settled();
    expect(handed).toEqual([]);
    socket.receive({ type: 'ready', position: 5 });
    await vi.waitFor(() => expect(connection.state).toBe('live'));
    expect(handed).toEqual([[1, 2, 3, 4, 5], 'ready']);
  });

  it('takes the events of an `events` frame as if each had come alone', async () => {
    const socket = await connect();
    socket.receive({ type: 'events', events: [event(1), event(2)] });
    socket.receive(event(3));
    socket.receive({ type: 'events', events: [event(4), { ...event(5), event: 'user.typing' }, event(6)] });
    socket.receive({ type: 'ready', position: 6 });
    await vi.waitFor(() => expect(connection.state).toBe('live'));
    expect(handed).toEqual([[1, 2, 3, 4, 6], 'ready']);
  });

  it('splits a long catch-up into batches of at most MAX_BATCH events', async () => {
    const socket = await connect();
    for (let p = 1; p <= 2 * MAX_BATCH + 1; p++) socket.receive(event(p));
    socket.receive({ type: 'ready', position: 2 * MAX_BATCH + 1 });
    await vi.waitFor(() => expect(handed.at(-1)).toBe('ready'));
    expect(handed.map((h) => (Array.isArray(h) ? h.length : h))).toEqual([MAX_BATCH, MAX_BATCH, 1, 'ready']);
    expect(stored).toBe(2 * MAX_BATCH + 1);
  });

  it('hands a live event on at once, gathers those arriving meanwhile, and keeps replies in their place', async () => {
    const socket = await connect();
    socket.receive({ type: 'ready', position: 0 });
    await vi.waitFor(() => expect(connection.state).toBe('live'));
    let release!: () => void;
    applying = new Promise((resolve) => (release = resolve));
    socket.receive(event(1));
    await vi.waitFor(() => expect(handed).toEqual(['ready', [1]]));
    socket.receive(event(2));
    socket.receive(event(3));
    socket.receive({ type: 'ack', id: 'c1', position: 3 });
    socket.receive(event(4));
    release();
    await vi.waitFor(() => expect(handed).toEqual(['ready', [1], [2, 3], 'ack c1', [4]]));
  });

  it('reconnects from what was stored when a batch cannot be stored, dropping the events after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = FakeSocket.all[0]!;
    first.open();
    await vi.waitFor(() => expect(first.sent).toHaveLength(1));
    first.receive({ type: 'ready', position: 0 });
    await vi.waitFor(() => expect(connection.state).toBe('live'));
    let release!: () => void;
    applying = new Promise((resolve) => (release = resolve));
    fail = true;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    first.receive(event(1));
    await vi.waitFor(() => expect(handed).toEqual(['ready', [1]]));
    first.receive(event(2));
    release();
    await vi.waitFor(() => expect(connection.state).toBe('offline'));
    expect(logged).toHaveBeenCalledWith('ChatterLink: applying events failed', expect.any(Error));
    expect(handed).toEqual(['ready', [1]]);
    expect(first.readyState).toBe(FakeSocket.CLOSED);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    const second = FakeSocket.all[1]!;
    second.open();
    await vi.waitFor(() => expect(second.sent).toContainEqual({ type: 'hello', since: 0, batch: true }));
  });
});
