import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { App } from '../app/create-app';
import type { Config } from '../config/config';
import { LocalBus, PostgresBus, RedisBus, redisChannel, type SignalBus } from './bus';
import { FanOut } from './fan-out';
import { DEFAULT_LIMITS, Gateway, type GatewayLimits } from './gateway';
import { Presence } from './presence';
import { RoomsOfLoader } from './rooms-of-loader';

/** How the nodes of a deployment signal each other. */
export type BusTarget = { kind: 'local' } | { kind: 'postgres'; url: string } | { kind: 'redis'; url: string };

/** REDIS_URL wins; otherwise a Postgres server's LISTEN/NOTIFY; the embedded database needs no bus. */
export function busTargetOf(config: Config): BusTarget {
  if (config.redisUrl) return { kind: 'redis', url: config.redisUrl };
  if (config.databaseUrl) return { kind: 'postgres', url: config.databaseUrl };
  return { kind: 'local' };
}

export interface Realtime {
  readonly gateway: Gateway;
  readonly fanOut: FanOut;
  readonly presence: Presence;
  readonly bus: SignalBus;
  readonly nodeId: string;
  close(): Promise<void>;
}

/**
 * Wires the real-time side of one node: the bus, the fan-out that follows the
 * log, presence, and the gateway (attached to uWS by the front server).
 */
export async function startRealtime(options: {
  app: App;
  config: Config;
  logger: Logger;
  bus: BusTarget;
  limits?: Partial<GatewayLimits>;
}): Promise<Realtime> {
  const { app, config, logger } = options;
  const { db, store, identity, messages } = app.services;
  const nodeId = randomUUID();
  let fanOut: FanOut | undefined;
  const bus = await openBus(options.bus, () => fanOut?.signal(), await store.logId());

  const roomsOf = new RoomsOfLoader(db);
  const gateway: Gateway = new Gateway({
    config,
    roomsOf,
    store,
    identity,
    messages,
    fanOut: () => fanOut!,
    metrics: app.metrics,
    logger,
    onConnected: (userId) => presence.connected(userId),
    onDisconnected: (userId) => presence.disconnected(userId),
    limits: {
      ...DEFAULT_LIMITS,
      ...(config.wsRateLimit !== undefined ? { rate: config.wsRateLimit } : {}),
      ...(config.wsRateBurst !== undefined ? { burst: config.wsRateBurst } : {}),
      ...(config.wsPublishHoldMs !== undefined ? { publishHold: { ...DEFAULT_LIMITS.publishHold, maxMs: config.wsPublishHoldMs } } : {}),
      ...options.limits,
    },
  });

  const presence = new Presence(nodeId, bus, (userId, online) => {
    // Tell everyone who shares a room with the user (and the user's other
    // tabs): published on the user's rooms, so the query reads a few rows,
    // not every member of every room.
    roomsOf
      .load(userId)
      .then((rooms) => gateway.sendPresence(userId, online, rooms))
      .catch((error: unknown) => logger.warn({ err: error }, 'presence fan-out failed'));
  });

  fanOut = new FanOut(store, (event) => gateway.deliver(event), (error) => logger.warn({ err: error }, 'fan-out read failed'));
  await fanOut.start();
  // The signal travels with the batch's commit where the bus is the database; after it otherwise.
  const signalInCommit = bus.inTransaction?.bind(bus);
  const unsignal = signalInCommit && store.signalInCommit((position) => signalInCommit({ kind: 'appended', position, node: nodeId }));
  const unsubscribe = store.onCommitted((events) => {
    fanOut!.onLocalCommit(events);
    if (!signalInCommit) void bus.publish({ kind: 'appended', position: events.at(-1)!.position, node: nodeId }).catch(() => {});
  });
  bus.subscribe((message) => {
    // Our own events were delivered from memory (a signal sent at commit may arrive before the commit's answer).
    if (message.kind === 'appended' && message.node !== nodeId && message.position > fanOut!.position) fanOut!.signal();
  });
  presence.start();
  app.setPresence(presence);

  return {
    gateway,
    fanOut,
    presence,
    bus,
    nodeId,
    async close() {
      unsignal?.();
      unsubscribe();
      presence.stop();
      fanOut!.stop();
      await fanOut!.settled();
      await bus.close();
    },
  };
}

async function openBus(target: BusTarget, onReconnect: () => void, logId: string | undefined): Promise<SignalBus> {
  switch (target.kind) {
    case 'local':
      return new LocalBus();
    case 'postgres': {
      const bus = new PostgresBus(target.url, onReconnect);
      await bus.start();
      return bus;
    }
    case 'redis':
      return RedisBus.open(target.url, redisChannel(logId));
  }
}
