import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { redisChannel, RedisBus, type BusMessage } from './bus';

const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('Redis bus [redis]', () => {
  const buses: RedisBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  async function open(logId: string): Promise<{ bus: RedisBus; received: BusMessage[] }> {
    const bus = await RedisBus.open(redisUrl!, redisChannel(logId));
    buses.push(bus);
    const received: BusMessage[] = [];
    bus.subscribe((message) => received.push(message));
    return { bus, received };
  }

  it('carries signals between the nodes of one log and keeps other logs on the same Redis apart', async () => {
    const mine = randomBytes(32).toString('hex');
    const theirs = randomBytes(32).toString('hex');
    const a = await open(mine);
    const b = await open(mine);
    const other = await open(theirs);
    expect(a.bus.channel).not.toBe(other.bus.channel);

    await a.bus.publish({ kind: 'appended', position: 7 });
    await other.bus.publish({ kind: 'appended', position: 99 });
    await expect.poll(() => b.received).toContainEqual({ kind: 'appended', position: 7 });
    await expect.poll(() => other.received).toContainEqual({ kind: 'appended', position: 99 });
    expect(b.received).not.toContainEqual({ kind: 'appended', position: 99 });
    expect(other.received).not.toContainEqual({ kind: 'appended', position: 7 });
  });
});
