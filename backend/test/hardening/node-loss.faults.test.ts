import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database';
import { engines } from '../engines';
import { NodeProcess, nodeEnv } from './node-process';
import { expectCleanHistory, runWithFaults, setUpChat } from './scenario';

const postgres = engines.find((e) => e.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `size` nodes on one database; the first is killed mid-load and never comes back. */
function nodeLoss(size: number, bus: 'postgres' | 'redis') {
  let database: (DatabaseHandle & { url?: string }) | undefined;
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    for (const node of nodes) await node.kill();
    await database?.close();
  });

  it(`${size} nodes over ${bus}: clients of the killed node fail over and catch up; nothing acknowledged is lost or doubled`, async () => {
    database = await postgres!.open();
    const env = nodeEnv(database.url!, bus === 'redis' ? { REDIS_URL: redisUrl! } : {});
    for (let i = 0; i < size; i++) nodes.push(await NodeProcess.start(env));
    const alive = new Set(nodes);
    const chat = await setUpChat(nodes[0]!.url, { senders: 30, subscribers: size * 2, extraRooms: 1 });
    const run = await runWithFaults({
      chat,
      urls: () => [...alive].map((n) => n.url),
      databaseUrl: database.url!,
      eventKey: Buffer.from(env.EVENT_KEY!, 'base64url'),
      inject: async () => {
        await sleep(1000 + Math.random() * 1000);
        alive.delete(nodes[0]!);
        await nodes[0]!.kill();
        await sleep(3000);
        return 1;
      },
    });
    console.log(`${size} nodes history:`, run.history.counts());
    expectCleanHistory(run, 100);
    expect(run.history.counts().unknown + run.history.counts().invoked).toBe(0);
  });
}

describe.runIf(postgres)('losing one node of two [postgres bus]', () => nodeLoss(2, 'postgres'));
describe.runIf(postgres && redisUrl)('losing one node of three [redis bus]', () => nodeLoss(3, 'redis'));
