import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteThread } from './pglite-thread';

describe('PGliteThread', () => {
  let pglite: PGliteThread;
  beforeAll(async () => {
    pglite = await PGliteThread.open(undefined);
  });
  afterAll(async () => {
    await pglite.close();
  });

  it('answers rows, affected rows and bytes as Buffer, and takes bytes as parameters', async () => {
    await pglite.query('create table blobs (id int primary key, bytes bytea not null)', []);
    const inserted = await pglite.query('insert into blobs values ($1, $2), ($3, $4)', [1, Buffer.from([1, 2, 3]), 2, Buffer.alloc(0)]);
    expect(inserted.affectedRows).toBe(2);
    const { rows } = await pglite.query<{ id: number; bytes: Buffer }>('select id, bytes from blobs order by id', []);
    expect(rows).toEqual([
      { id: 1, bytes: Buffer.from([1, 2, 3]) },
      { id: 2, bytes: Buffer.alloc(0) },
    ]);
    expect(Buffer.isBuffer(rows[0]!.bytes)).toBe(true);
  });

  it('throws the database error with its SQLSTATE and details, and keeps answering', async () => {
    await pglite.query('create table names (name text primary key)', []);
    await pglite.query(`insert into names values ('a')`, []);
    const error = await pglite.query(`insert into names values ('a')`, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'names_pkey', table: 'names' });
    expect((await pglite.query<{ n: number }>('select count(*)::int as n from names', [])).rows).toEqual([{ n: 1 }]);
  });

  it("answers a COPY to its blob device with the bytes written, and a failed one does not leak into the next", async () => {
    const failed = await pglite.copyOut(`copy (select 1/0) to '/dev/blob' (format binary)`).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: '22012' });
    const copy = await pglite.copyOut(`copy (select 7::int4) to '/dev/blob' (format binary)`);
    // Header (19 bytes), one tuple (field count, length, value), trailer.
    expect(copy.length).toBe(19 + 2 + 4 + 4 + 2);
    expect(copy.readInt32BE(19 + 2 + 4)).toBe(7);
  });

  it('leaves this thread free while a statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const start = performance.now();
    await pglite.query('select count(*) from generate_series(1, 3000000)', []);
    const elapsed = performance.now() - start;
    clearInterval(timer);
    // In this thread the statement would have blocked every timer until it ended.
    expect(elapsed).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThan(0);
  });

  it('keeps its process alive while a query is in flight, and not once it is idle', async () => {
    // Nothing else holds the event loop: the query's answer must still arrive, and the open database must not hold the process after it.
    const dir = mkdtempSync(join(tmpdir(), 'pglite-thread-'));
    const script = join(dir, 'idle.mts');
    writeFileSync(
      script,
      `import { PGliteThread } from ${JSON.stringify(fileURLToPath(new URL('./pglite-thread.ts', import.meta.url)))};
const pglite = await PGliteThread.open(undefined);
console.log(JSON.stringify((await pglite.query('select 41 + 1 as answer', [])).rows));`,
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 });
      expect(stdout.trim()).toBe('[{"answer":42}]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
