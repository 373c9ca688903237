import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Config } from '../config/config';
import type { Secrets } from '../config/secrets';
import { lockDataDir } from '../db/data-dir-lock';
import { openDatabase } from '../db/database';
import { databaseTargetOf } from '../db/target';

const run = promisify(execFile);

/** `manifest.json` of a backup directory. */
export interface BackupManifest {
  readonly format: 1;
  readonly createdAt: string;
  readonly engine: 'pglite' | 'postgres';
  /** Files and directories in the backup, relative to it. */
  readonly contents: readonly string[];
}

const KEY_FILES = ['SECRET_KEY', 'EVENT_KEY', 'EVENT_KEY.previous'] as const;

/**
 * Writes a consistent backup into the new directory `out` (mode 0700):
 * the database (a `pg_dump` snapshot of a Postgres server, taken online; or a
 * copy of the embedded database's directory, taken while holding its lock, so
 * the server must be stopped), then the uploads (after the database, so every
 * upload the dump refers to is there), then the keys. The backup is as
 * sensitive as the server: its keys decrypt everything in it.
 */
export async function createBackup(config: Config, secrets: Secrets, out: string): Promise<BackupManifest> {
  if (existsSync(out)) throw new Error(`${out} already exists; choose a new directory for the backup.`);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const target = databaseTargetOf(config);
  const contents: string[] = [];
  if (target.engine === 'postgres') {
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', join(out, 'database.dump'), '--dbname', target.url], { maxBuffer: 64 * 1024 * 1024 });
    chmodSync(join(out, 'database.dump'), 0o600);
    contents.push('database.dump');
  } else {
    const unlock = lockDataDir(target.dataDir!);
    try {
      cpSync(target.dataDir!, join(out, 'database'), { recursive: true });
    } finally {
      unlock();
    }
    contents.push('database');
  }
  if (existsSync(config.uploadDir)) {
    cpSync(config.uploadDir, join(out, 'uploads'), { recursive: true });
    contents.push('uploads');
  }
  mkdirSync(join(out, 'keys'), { mode: 0o700 });
  const keys: Record<(typeof KEY_FILES)[number], string | undefined> = {
    SECRET_KEY: secrets.secretKey,
    EVENT_KEY: secrets.eventKey.toString('base64url'),
    'EVENT_KEY.previous': secrets.previousEventKeys?.length ? secrets.previousEventKeys.map((k) => k.toString('base64url')).join('\n') : undefined,
  };
  for (const name of KEY_FILES) {
    if (keys[name] === undefined) continue;
    writeFileSync(join(out, 'keys', name), `${keys[name]}\n`, { mode: 0o600 });
    contents.push(`keys/${name}`);
  }
  const manifest: BackupManifest = { format: 1, createdAt: new Date().toISOString(), engine: target.engine, contents };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/**
 * Restores a backup into the configured instance: the database into an
 * empty Postgres database (DATABASE_URL) or a not-yet-existing embedded
 * directory, the keys into INSTANCE_DIR, the uploads into UPLOAD_DIR.
 * Refuses to overwrite a non-empty database or different keys unless `force`
 * (then an embedded database is moved aside, never deleted).
 */
export async function restoreBackup(config: Config, from: string, options: { force?: boolean } = {}): Promise<BackupManifest> {
  const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')) as BackupManifest;
  if (manifest.format !== 1) throw new Error(`Unknown backup format ${String(manifest.format)}.`);
  const target = databaseTargetOf(config);
  if (manifest.engine !== target.engine) {
    throw new Error(
      `This backup holds a ${manifest.engine} database but the configuration selects ${target.engine}` +
        (manifest.engine === 'postgres' ? ': set DATABASE_URL to an empty database.' : ': unset DATABASE_URL to restore the embedded database.'),
    );
  }
  if (target.engine === 'postgres') await assertEmptyPostgres(target.url);
  restoreKeys(config.instanceDir, join(from, 'keys'), options.force ?? false);
  if (target.engine === 'postgres') {
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.url, join(from, 'database.dump')], { maxBuffer: 64 * 1024 * 1024 });
  } else {
    const dataDir = target.dataDir!;
    const unlock = lockDataDir(dataDir);
    try {
      if (existsSync(dataDir)) {
        if (!options.force) throw new Error(`${dataDir} already exists; restore into a new INSTANCE_DIR, or use FORCE=1 to move it aside.`);
        renameSync(dataDir, `${dataDir}.before-restore-${Date.now()}`);
      }
      cpSync(join(from, 'database'), dataDir, { recursive: true });
    } finally {
      unlock();
    }
  }
  if (existsSync(join(from, 'uploads'))) cpSync(join(from, 'uploads'), config.uploadDir, { recursive: true, force: options.force ?? false });
  return manifest;
}

function restoreKeys(instanceDir: string, keysDir: string, force: boolean): void {
  mkdirSync(instanceDir, { recursive: true, mode: 0o700 });
  for (const name of KEY_FILES) {
    const source = join(keysDir, name);
    if (!existsSync(source)) continue;
    const value = readFileSync(source, 'utf8');
    const path = join(instanceDir, name);
    if (existsSync(path) && readFileSync(path, 'utf8').trim() !== value.trim() && !force) {
      throw new Error(`${path} holds a different key than the backup; move it away first (or FORCE=1 to overwrite it).`);
    }
    writeFileSync(path, value, { mode: 0o600 });
  }
}

async function assertEmptyPostgres(url: string): Promise<void> {
  const database = await openDatabase({ engine: 'postgres', url, maxConnections: 1 });
  try {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = 'public'`.execute(database.db);
    if (rows[0]!.n > 0) throw new Error('The target database is not empty: create a new, empty database and point DATABASE_URL at it.');
  } finally {
    await database.close();
  }
}
