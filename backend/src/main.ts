import { pino } from 'pino';
import { ConfigError, loadConfig } from './config/config';
import { loadSecrets } from './config/secrets';
import { openDatabase } from './db/database';
import { databaseTargetOf } from './db/target';
import { busTargetOf } from './realtime/realtime';
import { startServer } from './server/start-server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'chatterlink' } });
  const secrets = loadSecrets(config);
  const target = databaseTargetOf(config);
  const database = await openDatabase(
    target.engine === 'pglite'
      ? { ...target, onReopen: (reason) => logger.error({ err: reason }, "the embedded database's thread stopped; the database was opened again") }
      : target,
  );
  const bus = busTargetOf(config);
  const server = await startServer({ config, secrets, database, logger, bus, reloadSecrets: () => loadSecrets(config) });
  logger.info({ engine: target.engine, bus: bus.kind, env: config.env }, `ChatterLink listening on ${server.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: say what, without a stack trace.
  if (error instanceof ConfigError) console.error(`ChatterLink cannot start: ${error.message}`);
  else console.error('ChatterLink failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
