import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database';
import { engines } from '../engines';
import { NodeProcess, nodeEnv } from './node-process';
import { expectCleanHistory, runWithFaults, setUpChat } from './scenario';

const postgres = engines.find((e) => e.name === 'postgres');
const KILLS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(postgres)('kill -9 of the server under load', () => {
  let database: (DatabaseHandle & { url?: string }) | undefined;
  let node: NodeProcess | undefined;
  afterAll(async () => {
    await node?.kill();
    await database?.close();
  });

  it(`loses and duplicates nothing acknowledged across ${KILLS} kills while 50 clients send`, async () => {
    database = await postgres!.open();
    const env = nodeEnv(database.url!);
    node = await NodeProcess.start(env);
    const chat = await setUpChat(node.url, { senders: 50, subscribers: 3, extraRooms: 2 });
    const server = node;
    const run = await runWithFaults({
      chat,
      urls: () => [server.url],
      databaseUrl: database.url!,
      eventKey: Buffer.from(env.EVENT_KEY!, 'base64url'),
      inject: async () => {
        for (let kill = 0; kill < KILLS; kill++) {
          // Random moments: sometimes right after start-up, sometimes mid-stream.
          await sleep(200 + Math.random() * 1500);
          await server.kill();
          await sleep(Math.random() * 300);
          await server.restart();
        }
        await sleep(1000);
        return KILLS;
      },
    });
    console.log('kill -9 history:', run.history.counts(), 'refusals:', Object.fromEntries(run.refusals));
    expectCleanHistory(run, 200);
    expect(run.history.counts().unknown + run.history.counts().invoked).toBe(0);
  });
});
