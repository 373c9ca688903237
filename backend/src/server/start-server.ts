import type { Logger } from 'pino';
import { createApp, type App } from '../app/create-app';
import type { Config } from '../config/config';
import type { Secrets } from '../config/secrets';
import type { DatabaseHandle } from '../db/database';
import type { GatewayLimits } from '../realtime/gateway';
import { startRealtime, type BusTarget, type Realtime } from '../realtime/realtime';
import { startFrontServer } from './front-server';

/** One running ChatterLink node. */
export interface RunningServer {
  readonly app: App;
  readonly realtime: Realtime;
  readonly port: number;
  readonly url: string;
  /** Graceful stop: close sockets (1001), stop listening, finish in-flight commits, close the database. */
  close(): Promise<void>;
}

/**
 * Starts a node: the application (migrations, services, Koa), the real-time
 * side, and uWebSockets.js as the single listener — `/ws` served by the
 * gateway, every other request handed to Koa.
 */
export async function startServer(options: {
  config: Config;
  secrets: Secrets;
  database: DatabaseHandle;
  logger: Logger;
  bus: BusTarget;
  staticDir?: string;
  limits?: Partial<GatewayLimits>;
  /** Re-reads the keys so a master-key rotation reaches this running node (see `createApp`). */
  reloadSecrets?: () => Secrets;
}): Promise<RunningServer> {
  const { config, logger } = options;
  const app = await createApp({
    config,
    secrets: options.secrets,
    database: options.database,
    logger,
    ...(options.staticDir ? { staticDir: options.staticDir } : {}),
    ...(options.reloadSecrets ? { reloadSecrets: options.reloadSecrets } : {}),
  });
  const realtime = await startRealtime({ app, config, logger, bus: options.bus, ...(options.limits ? { limits: options.limits } : {}) });
  const front = await startFrontServer({
    host: config.host,
    port: config.port,
    handler: app.http.callback(),
    trustProxy: config.trustProxy,
    configure: (uws) => realtime.gateway.attach(uws),
  });
  return {
    app,
    realtime,
    port: front.port,
    url: `http://${config.host}:${front.port}`,
    async close() {
      realtime.gateway.shutdown();
      await front.close();
      await realtime.close();
      await app.close();
    },
  };
}
