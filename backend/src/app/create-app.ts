import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Secrets } from '../config/secrets';
import { Keyring } from '../crypto/keyring';
import type { DatabaseHandle } from '../db/database';
import { assertDurable } from '../db/durability';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/types';
import { EventStore } from '../eventstore/store';
import { buildHttpApp } from '../http/app';
import type { AppState } from '../http/state';
import { IdentityService } from '../identity/service';
import { SessionTokens } from '../identity/tokens';
import { NO_PRESENCE, UsersDirectory, type PresenceView } from '../identity/users-directory';
import { MessagesService } from '../messages/service';
import { allProjections } from '../projections/all';
import { liveProjector } from '../projections/live';
import { createMetrics, type Metrics } from '../realtime/metrics';
import { RoomsService } from '../rooms/service';
import { UploadDir } from '../uploads/upload-dir';
import { UploadsService } from '../uploads/service';
import { startAuditBackground } from '../audit/background';
import { Checkpoints, CheckpointSigner } from '../audit/checkpoints';
import { ErasureService } from '../audit/erasure';
import { ErasureRedactions } from '../audit/redactions';
import { AuditService } from '../audit/service';
import type { Clock, IdSource } from './context';

/** The application services, wired once per process. */
export interface Services {
  readonly db: Kysely<Database>;
  readonly store: EventStore;
  readonly keyring: Keyring;
  readonly identity: IdentityService;
  readonly rooms: RoomsService;
  readonly messages: MessagesService;
  readonly uploads: UploadsService;
  readonly users: UsersDirectory;
  readonly audit: AuditService;
  readonly erasure: ErasureService;
}

export interface App {
  readonly services: Services;
  readonly metrics: Metrics;
  readonly http: Koa<AppState>;
  /** Lets the real-time gateway report who is online. */
  setPresence(presence: PresenceView): void;
  /** Finishes in-flight appends, then closes the database. */
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdSource = { newId: () => randomUUID() };

/**
 * The composition root: migrates the database, wires the event store, the
 * projections and the services, makes sure the default room exists, and
 * builds the HTTP application.
 */
export async function createApp(options: {
  config: Config;
  secrets: Secrets;
  database: DatabaseHandle;
  logger: Logger;
  staticDir?: string;
  clock?: Clock;
  ids?: IdSource;
  /** Re-reads the keys (e.g. `loadSecrets`), so a master-key rotation reaches the running node. */
  reloadSecrets?: () => Secrets;
}): Promise<App> {
  const { config, secrets, database, logger } = options;
  const db = database.db;
  await assertDurable(database, config.allowUnsafeDurability, logger);
  await migrateToLatest(db);
  const reload = options.reloadSecrets;
  const keyring = new Keyring(
    db,
    secrets.eventKey,
    secrets.previousEventKeys,
    reload &&
      (() => {
        const fresh = reload();
        return { current: fresh.eventKey, previous: fresh.previousEventKeys ?? [] };
      }),
  );
  const store = new EventStore(db, keyring, liveProjector(allProjections), new ErasureRedactions(keyring));
  const ctx = { db, store, config, clock: options.clock ?? systemClock, ids: options.ids ?? randomIds };
  const rooms = new RoomsService(ctx);
  await rooms.ensureDefaultRoom();
  let presence: PresenceView = NO_PRESENCE;
  const checkpoints = new Checkpoints(db, store, new CheckpointSigner(secrets.secretKey));
  const services: Services = {
    db,
    store,
    keyring,
    identity: new IdentityService(ctx, new SessionTokens(secrets.secretKey), rooms.defaultRoomId),
    rooms,
    messages: new MessagesService(ctx),
    uploads: new UploadsService(ctx, keyring, new UploadDir(config.uploadDir)),
    users: new UsersDirectory(db, () => presence),
    audit: new AuditService(ctx, checkpoints),
    erasure: new ErasureService(ctx, keyring),
  };
  const stopAudit = startAuditBackground({ keyring, checkpoints, logger });
  const metrics = createMetrics();
  const http = buildHttpApp({ services, metrics, config, logger, staticDir: options.staticDir ?? 'frontend/dist' });
  return {
    services,
    metrics,
    http,
    setPresence: (view) => (presence = view),
    close: async () => {
      stopAudit();
      await store.flush();
      // Signing the head on the way out makes a tail cut while the server is down detectable;
      // bounded, so a database that is already gone cannot hold the shutdown up.
      await Promise.race([
        checkpoints.write(new Date()).catch((err: unknown) => logger.warn({ err }, 'final checkpoint failed')),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      await database.close();
    },
  };
}
