import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../engines';
import { NodeProcess, nodeEnv } from './node-process';
import { expectCleanHistory, runWithFaults, setUpChat } from './scenario';
import { ThrowawayPostgres } from './throwaway-postgres';

const postgres = engines.find((e) => e.name === 'postgres');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `/healthz` until it answers `status`. */
async function healthBecomes(url: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const answer = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
    if (answer === status) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`/healthz did not answer ${status} within ${timeoutMs} ms`);
}

describe.runIf(postgres)('the Postgres server stops and restarts under load', () => {
  let cluster: ThrowawayPostgres | undefined;
  let node: NodeProcess | undefined;
  afterAll(async () => {
    await node?.kill();
    await cluster?.destroy();
  });

  it('reports unhealthy, refuses sends as retryable, and recovers by itself', async () => {
    cluster = await ThrowawayPostgres.create();
    const env = nodeEnv(cluster.url());
    node = await NodeProcess.start(env);
    const server = node;
    const chat = await setUpChat(server.url, { senders: 20, subscribers: 2, extraRooms: 1 });
    const restSender = chat.senders[0]!;
    const recoveries: number[] = [];
    let restRefusal: { status: number; code: string } | undefined;

    const run = await runWithFaults({
      chat,
      urls: () => [server.url],
      databaseUrl: cluster.url(),
      eventKey: Buffer.from(env.EVENT_KEY!, 'base64url'),
      inject: async () => {
        for (const mode of ['immediate', 'fast'] as const) {
          await sleep(1500 + Math.random() * 1000);
          await cluster!.stop(mode);
          await healthBecomes(server.url, 503, 10_000);
          const refused = await restSender.post(`/api/rooms/${chat.rooms[0]}/messages`, { id: crypto.randomUUID(), body: 'while down' });
          restRefusal = { status: refused.status, code: refused.json?.error?.code };
          await sleep(2000);
          await cluster!.start();
          recoveries.push(await healthBecomes(server.url, 200, 30_000));
        }
        await sleep(3000);
        return 2;
      },
    });
    console.log('database restarts history:', run.history.counts(), 'refusals:', Object.fromEntries(run.refusals), 'recovered after ms:', recoveries);
    expect(server.running).toBe(true);
    expect(restRefusal).toEqual({ status: 503, code: 'unavailable' });
    expect(run.refusals.get('unavailable') ?? 0).toBeGreaterThan(0);
    // Anything but `unavailable` would be a database failure the app did not classify as retryable.
    const unhandled = server.output.split('\n').filter((line) => line.includes('"level":50'));
    expect([...run.refusals.keys()], unhandled.join('\n').slice(0, 4000)).toEqual(['unavailable']);
    expectCleanHistory(run, 100);
  });
});
