import type { Kysely } from 'kysely';

/**
 * When each member last typed in a room (the latest `user.typing` event), so
 * that every node enforces one typing event per member per room per 3 s.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').addColumn('last_typing_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').dropColumn('last_typing_at').execute();
}
