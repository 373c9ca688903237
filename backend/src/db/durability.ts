import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config';
import type { DatabaseHandle } from './database';

/** Server settings under which a committed transaction can vanish in a crash. */
export async function unsafeDurabilitySettings(handle: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ fsync: string; synchronous_commit: string }>`
    select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`.execute(handle.db);
  const settings = rows[0]!;
  const unsafe: string[] = [];
  if (settings.fsync === 'off') unsafe.push('fsync=off');
  if (settings.synchronous_commit === 'off') unsafe.push('synchronous_commit=off');
  return unsafe;
}

/**
 * Refuses to start on a Postgres server that may lose acknowledged commits
 * (`fsync=off` or `synchronous_commit=off`): an ack promises the message is
 * durable. `ALLOW_UNSAFE_DURABILITY=1` overrides it with a warning. The
 * embedded PGlite database is not checked: it always runs without fsync, and
 * is meant for single-machine use (see README).
 */
export async function assertDurable(handle: DatabaseHandle, allowUnsafe: boolean, logger: Logger): Promise<void> {
  if (handle.engine !== 'postgres') return;
  const unsafe = await unsafeDurabilitySettings(handle);
  if (unsafe.length === 0) return;
  const problem = `the database runs with ${unsafe.join(' and ')}, so acknowledged messages could be lost in a crash`;
  if (!allowUnsafe) {
    throw new ConfigError(`${problem}. Turn the setting on, or set ALLOW_UNSAFE_DURABILITY=1 to start anyway (not for production).`);
  }
  logger.warn({ unsafe }, `UNSAFE: ${problem}; starting anyway because ALLOW_UNSAFE_DURABILITY is set`);
}
