import { io as socketIoClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebSocket, type RawWebSocket } from '../lib/raw-ws';
import { PROTOCOLS, type Protocol } from '../loadgen/protocols';
import { startPeer } from '../targets/peers';
import type { Target } from '../targets/target';

/** A raw benchmark client that has joined `rooms` and records every text frame it gets. */
async function joinedClient(target: Target, rooms: string[]): Promise<{ ws: RawWebSocket; frames: string[]; protocol: Protocol }> {
  const protocol = PROTOCOLS[target.endpoint.protocol];
  const frames: string[] = [];
  const waiters: { test: (t: string) => boolean; resolve: (t: string) => void }[] = [];
  const ws = await openWebSocket({ ...target.endpoint, path: protocol.path }, (payload) => {
    const text = payload.toString();
    const reply = protocol.reply?.(payload);
    if (reply) ws.sendText(reply);
    const i = waiters.findIndex((w) => w.test(text));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(text);
    else frames.push(text);
  });
  await protocol.handshake({ send: (t) => ws.sendText(t), next: (test) => new Promise((resolve) => waiters.push({ test, resolve })) }, { rooms });
  return { ws, frames, protocol };
}

/** Polls `check` for up to 10 s: a loaded machine (a parallel test run, a benchmark) can take seconds to deliver. */
const until = async (check: () => boolean) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe.each(['uws', 'ws', 'socketio'] as const)('the %s peer speaks the benchmark protocol', (name) => {
  let target: Target;
  beforeAll(async () => {
    target = await startPeer(name, 0);
  });
  afterAll(() => target.stop());

  it('broadcasts a send to every member of the room, the sender included, and to no one else', async () => {
    const [a, b, outsider] = await Promise.all([joinedClient(target, ['r1']), joinedClient(target, ['r1']), joinedClient(target, ['r2'])]);
    a.ws.sendText(a.protocol.sendFrame('r1', 'bench|1|0|hello', 'id-1'));
    await until(() => a.frames.length > 0 && b.frames.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    for (const member of [a, b]) expect(member.frames.filter((f) => f.includes('bench|1|0|hello'))).toHaveLength(1);
    expect(outsider.frames.filter((f) => f.includes('bench|'))).toHaveLength(0);
    for (const c of [a, b, outsider]) c.ws.close();
  });
});

describe('the hand-spoken Socket.IO protocol', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startPeer('socketio', 0);
  });
  afterAll(() => target.stop());

  it('interoperates with the official socket.io-client', async () => {
    const official = socketIoClient(`http://127.0.0.1:${target.endpoint.port}`, { transports: ['websocket'] });
    const received = new Promise<{ room: string; body: string }>((resolve) => official.on('msg', resolve));
    await new Promise<void>((resolve) => {
      official.once('joined', () => resolve());
      official.emit('join', 'shared');
    });
    const raw = await joinedClient(target, ['shared']);
    raw.ws.sendText(raw.protocol.sendFrame('shared', 'bench|2|0|from-raw', 'id-2'));
    expect(await received).toEqual({ room: 'shared', body: 'bench|2|0|from-raw' });
    official.close();
    raw.ws.close();
  });
});
