import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../engines';
import { Link } from './load';
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
    const wsRefusals: { type: string; code: string | undefined }[] = [];
    // Opened while the database is up: the upgrade itself needs it.
    const probe = await Link.open(server.url, restSender.cookie!);

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
          const answer = await probe.request({ type: 'send', id: crypto.randomUUID(), room: chat.rooms[0], body: 'while down' }, 5000);
          wsRefusals.push({ type: answer.type, code: answer.code });
          await sleep(2000);
          await cluster!.start();
          recoveries.push(await healthBecomes(server.url, 200, 30_000));
        }
        await sleep(3000);
        return 2;
      },
    });
    probe.close();
    console.log('database restarts history:', run.history.counts(), 'refusals:', Object.fromEntries(run.refusals), 'recovered after ms:', recoveries);
    expect(server.running).toBe(true);
    expect(restRefusal).toEqual({ status: 503, code: 'unavailable' });
    // A send over the socket while the database is down is refused as retryable, at every outage.
    expect(wsRefusals).toEqual([
      { type: 'error', code: 'unavailable' },
      { type: 'error', code: 'unavailable' },
    ]);
    // The load's own refusals depend on timing (each sender may have been mid-send at the stop);
    // anything but `unavailable` would be a database failure the app did not classify as retryable.
    const unhandled = server.output.split('\n').filter((line) => line.includes('"level":50'));
    expect([...run.refusals.keys()].filter((code) => code !== 'unavailable'), unhandled.join('\n').slice(0, 4000)).toEqual([]);
    expectCleanHistory(run, 100);
  });
});
