import { sql, type Kysely } from 'kysely';

/**
 * The event log and the store's own bookkeeping. `events` is append-only inside
 * Postgres: triggers refuse UPDATE, DELETE and TRUNCATE whoever asks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('position', 'bigint', (c) => c.primaryKey())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // The writing transaction, so followers can read only below the oldest one still running.
    .addColumn('transaction_id', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn('prev_hash', 'bytea', (c) => c.notNull())
    .addColumn('hash', 'bytea', (c) => c.notNull())
    .addUniqueConstraint('events_stream_version_key', ['stream', 'version'])
    .execute();
  await db.schema.createIndex('events_type_idx').on('events').columns(['type', 'position']).execute();
  await db.schema.createIndex('events_actor_idx').on('events').columns(['actor', 'position']).execute();
  await db.schema.createIndex('events_occurred_at_idx').on('events').column('occurred_at').execute();

  await sql`
    create function events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'the event log is append-only: % on events is not allowed', tg_op
        using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger events_append_only_rows before update or delete on events
    for each row execute function events_refuse_change()`.execute(db);
  await sql`create trigger events_append_only_truncate before truncate on events
    for each statement execute function events_refuse_change()`.execute(db);

  await db.schema
    .createTable('streams')
    .addColumn('stream', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('commands')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('actor', 'text')
    .addColumn('positions', sql`bigint[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('data_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull().unique())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('destroyed_at', 'timestamptz')
    .execute();
}

/** The log is never dropped by a migration. */
export async function down(): Promise<void> {
  throw new Error('Refusing to drop the event log: migrations are never destructive for events.');
}
