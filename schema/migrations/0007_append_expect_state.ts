import { sql, type Kysely } from 'kysely';

/**
 * What an append that decided without reading under the append lock checks
 * under it. `append_expect_head` (0006) checks the chain's end (`CL001`);
 * this also checks the projections' generation, which `make replay` raises
 * when it rebuilds them (their rows may then differ while the chain did not
 * move: `CL003`), and refuses with `CL002` an append that took for new a row
 * or command id that exists (`taken`, computed by the caller under the
 * lock). Either way the append decides again on what it reads under the
 * lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One row, read by its key: the append plans with sequential scans off, and a scan priced that high would be JIT-compiled.
  await sql`create table projection_generation (singleton integer primary key check (singleton = 1), generation bigint not null)`.execute(db);
  await sql`insert into projection_generation (singleton, generation) values (1, 0)`.execute(db);
  await sql`
    create function append_expect_state(expected_position bigint, expected_hash bytea, expected_generation bigint, taken boolean)
    returns void language plpgsql as $$
    begin
      perform append_expect_head(expected_position, expected_hash);
      if expected_generation is distinct from (select generation from projection_generation where singleton = 1) then
        raise exception 'the projections were rebuilt since this append read them' using errcode = 'CL003';
      end if;
      if taken then
        raise exception 'a row or command id this append took for new exists' using errcode = 'CL002';
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function append_expect_state(bigint, bytea, bigint, boolean)`.execute(db);
  await sql`drop table projection_generation`.execute(db);
}
