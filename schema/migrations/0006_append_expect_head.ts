import { sql, type Kysely } from 'kysely';

/**
 * The check of an append that decided on what it read before taking the
 * append lock: under the lock, the chain must still end at the row it
 * chained from (position 0: the log must still be empty). Otherwise it
 * raises `CL001`, and the append decides again under the lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function append_expect_head(expected_position bigint, expected_hash bytea) returns void language plpgsql as $$
    begin
      if exists (select 1 from events where position > expected_position)
        or (expected_position > 0 and not exists (select 1 from events where position = expected_position and hash = expected_hash)) then
        raise exception 'the event log moved past position % since this append read it', expected_position
          using errcode = 'CL001';
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function append_expect_head(bigint, bytea)`.execute(db);
}
