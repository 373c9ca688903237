import { describe, expect, it } from 'vitest';
import { LocalBus } from './bus';
import { NODE_EXPIRY_MS, Presence } from './presence';

/** Two or more nodes sharing one in-process bus, with a controllable clock. */
function cluster(names: string[]) {
  const bus = new LocalBus();
  let now = 1_000_000;
  const changes: Record<string, [string, boolean][]> = {};
  const nodes = Object.fromEntries(
    names.map((name) => {
      changes[name] = [];
      return [name, new Presence(name, bus, (user, online) => changes[name]!.push([user, online]), () => now)];
    }),
  );
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { nodes, changes, flush, advance: (ms: number) => (now += ms) };
}

describe('Presence', () => {
  it('counts tabs: online at the first socket, offline after the last', () => {
    const { nodes, changes } = cluster(['a']);
    const a = nodes.a!;
    a.connected('u1');
    a.connected('u1');
    a.disconnected('u1');
    expect(a.isOnline('u1')).toBe(true);
    a.disconnected('u1');
    expect(a.isOnline('u1')).toBe(false);
    expect(changes.a).toEqual([
      ['u1', true],
      ['u1', false],
    ]);
  });

  it('announces the flips of one event-loop turn in one bus message per state, each user by their last flip', async () => {
    const bus = new LocalBus();
    const sent: unknown[] = [];
    bus.subscribe((message) => message.kind === 'presence' && sent.push({ users: message.users, online: message.online }));
    const a = new Presence('a', bus, () => {}, () => 0);
    a.connected('u1');
    a.connected('u2');
    a.disconnected('u1');
    a.connected('u3');
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([
      { users: ['u2', 'u3'], online: true },
      { users: ['u1'], online: false },
    ]);
  });

  it('learns about users connected to other nodes, and their leaving', async () => {
    const { nodes, changes, flush } = cluster(['a', 'b']);
    nodes.a!.connected('u1');
    await flush();
    expect(nodes.b!.isOnline('u1')).toBe(true);
    expect(changes.b).toEqual([['u1', true]]);
    nodes.a!.disconnected('u1');
    await flush();
    expect(nodes.b!.isOnline('u1')).toBe(false);
    expect(changes.b).toEqual([
      ['u1', true],
      ['u1', false],
    ]);
  });

  it('does not flip a user who is still connected elsewhere', async () => {
    const { nodes, changes, flush } = cluster(['a', 'b']);
    nodes.a!.connected('u1');
    nodes.b!.connected('u1');
    await flush();
    nodes.a!.disconnected('u1');
    await flush();
    expect(nodes.a!.isOnline('u1')).toBe(true);
    expect(changes.a).toEqual([['u1', true]]);
  });

  it('tells a node it has not heard from who is connected here', async () => {
    const bus = new LocalBus();
    const early = new Presence('early', bus, () => {});
    early.connected('u1');
    await new Promise((r) => setTimeout(r, 0));
    const late = new Presence('late', bus, () => {});
    late.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(late.isOnline('u1')).toBe(true);
    late.stop();
  });

  it('expires the users of a node that stopped heartbeating', async () => {
    const bus = new LocalBus();
    let now = 0;
    const changes: [string, boolean][] = [];
    const survivor = new Presence('survivor', bus, (user, online) => changes.push([user, online]), () => now);
    // A node announces a user, then dies (kill -9): it never speaks again.
    await bus.publish({ kind: 'presence', node: 'ghost', users: ['u1'], online: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(survivor.isOnline('u1')).toBe(true);
    now += NODE_EXPIRY_MS - 1;
    survivor.start();
    survivor.stop();
    expect(survivor.isOnline('u1')).toBe(true);
    now += 2;
    survivor.start();
    survivor.stop();
    expect(survivor.isOnline('u1')).toBe(false);
    expect(changes).toEqual([
      ['u1', true],
      ['u1', false],
    ]);
  });
});
