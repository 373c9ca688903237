import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import { sql } from 'kysely';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/engines';
import { filesContaining } from '../../test/scan';
import { startTestServer, TestClient } from '../../test/test-app';
import { sampleMp4 } from '../../test/upload-samples';
import { openDatabase, type DatabaseHandle } from '../db/database';

/** A real PNG whose text metadata and (uncompressed) pixels spell the canary. */
async function pngWithCanary(canary: string): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
  const text = Buffer.from(`Comment\0${canary}`, 'latin1');
  const chunk = Buffer.alloc(12 + text.length);
  chunk.writeUInt32BE(text.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  text.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + text.length)), 8 + text.length);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

/**
 * Uploads files containing a canary (in their bytes and their names), checks
 * the server can still give them back, and returns what was sent.
 */
async function uploadCanaries(url: string, canary: string) {
  const alice = await new TestClient(url).signUp('alice');
  const room = (await alice.get('/api/rooms')).json.rooms[0].id;
  // Repeated so that copies straddle every chunk boundary of the sealed format.
  const video = sampleMp4(Buffer.from(`${canary} `.repeat(Math.ceil(200_000 / (canary.length + 1))), 'latin1'));
  const files = [
    { bytes: await pngWithCanary(canary), name: `${canary}.png` },
    { bytes: video, name: `${canary}.mp4` },
    { bytes: sampleMp4(deflateSync(Buffer.from(canary))), name: `clip ${canary}.mp4` },
  ];
  for (const file of files) {
    const form = new FormData();
    form.set('file', new Blob([file.bytes]), file.name);
    const res = await fetch(`${url}/api/rooms/${room}/uploads`, {
      method: 'POST',
      headers: { cookie: alice.cookie!, 'x-csrf-token': alice.csrfToken! },
      body: form,
    });
    expect(res.status).toBe(201);
    const { upload } = (await res.json()) as { upload: { url: string; name: string } };
    expect(upload.name).toBe(file.name);
    const back = await fetch(url + upload.url, { headers: { cookie: alice.cookie! } });
    expect(Buffer.from(await back.arrayBuffer()).equals(file.bytes)).toBe(true);
    expect(back.headers.get('content-disposition')).toContain(canary);
  }
}

describe('no uploaded byte or file name at rest in plaintext (canary scan)', () => {
  const cleanup: (() => void)[] = [];
  const previousTmp = process.env.TMPDIR;
  const systemTmp = tmpdir();
  afterAll(() => {
    process.env.TMPDIR = previousTmp;
    cleanup.forEach((fn) => fn());
  });

  /** A scratch root holding the upload dir and the process temp dir (where formidable and libvips would write). */
  function scratch() {
    const dir = mkdtempSync(join(systemTmp, 'chatterlink-upload-canary-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    process.env.TMPDIR = temp;
    return { dir, uploads: join(dir, 'uploads'), temp };
  }

  async function expectNowhere(canary: string, roots: string[]) {
    for (const root of roots) expect((await filesContaining(root, canary)).hits, root).toEqual([]);
    // The scan finds what is there: the same canary in clear is found.
    const control = join(roots[0]!, 'control.txt');
    writeFileSync(control, canary);
    expect((await filesContaining(roots[0]!, canary)).hits).toEqual([control]);
    rmSync(control);
  }

  it('[pglite] nowhere in UPLOAD_DIR, the embedded data directory, the temp directory or the logs', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const { dir, uploads, temp } = scratch();
    const database = await openDatabase({ engine: 'pglite', dataDir: join(dir, 'db') });
    const logs: Buffer[] = [];
    const server = await startTestServer(
      engines[0]!,
      { UPLOAD_DIR: uploads, LOG_LEVEL: 'trace' },
      database,
      pino({ level: 'trace' }, new Writable({ write: (c, _e, cb) => (logs.push(c), cb()) })),
    );
    await uploadCanaries(server.url, canary);
    await server.close();
    // Three sealed files, recognisable by their header, and nothing else.
    expect((await filesContaining(uploads, 'CLUPLD')).hits).toHaveLength(3);
    await expectNowhere(canary, [uploads, join(dir, 'db'), temp]);
    expect(Buffer.concat(logs).toString('utf8')).not.toContain(canary);
  });

  const postgres = engines.find((e) => e.name === 'postgres');
  it.runIf(postgres)('[postgres] nowhere in UPLOAD_DIR, the temp directory, a full pg_dump or the server data directory', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const { uploads, temp } = scratch();
    const database: DatabaseHandle = await postgres!.open();
    const server = await startTestServer(postgres!, { UPLOAD_DIR: uploads }, database);
    try {
      await uploadCanaries(server.url, canary);
      const url = (database as { url?: string }).url!;
      await sql`checkpoint`.execute(database.db);
      const dump = execFileSync('pg_dump', ['--dbname', url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
      expect(dump.includes(Buffer.from('file.uploaded'))).toBe(true);
      expect(dump.includes(Buffer.from(canary))).toBe(false);
      const { rows } = await sql<{ dir: string }>`select current_setting('data_directory') as dir`.execute(database.db);
      expect((await filesContaining(rows[0]!.dir, canary)).hits).toEqual([]);
      await expectNowhere(canary, [uploads, temp]);
    } finally {
      await server.close();
    }
  });
});
