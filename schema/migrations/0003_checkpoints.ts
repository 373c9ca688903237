import { sql, type Kysely } from 'kysely';

/**
 * Signed checkpoints of the event log's hash chain: the head (position, hash)
 * signed with the server's Ed25519 key, so that cutting off the log's tail is
 * detectable. Append-only like the log itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checkpoints')
    .addColumn('position', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'bytea', (c) => c.notNull())
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'bytea', (c) => c.notNull())
    .execute();
  await sql`
    create function checkpoints_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'checkpoints are append-only: % on checkpoints is not allowed', tg_op
        using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger checkpoints_append_only_rows before update or delete on checkpoints
    for each row execute function checkpoints_refuse_change()`.execute(db);
  await sql`create trigger checkpoints_append_only_truncate before truncate on checkpoints
    for each statement execute function checkpoints_refuse_change()`.execute(db);
}

/** Checkpoints are evidence; no migration removes them. */
export async function down(): Promise<void> {
  throw new Error('Refusing to drop the signed checkpoints.');
}
