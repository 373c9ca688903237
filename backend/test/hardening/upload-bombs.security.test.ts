import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database';
import { TestClient } from '../test-app';
import { pixelFloodPng, pngChunk } from '../upload-samples';
import { NodeProcess, nodeEnv } from './node-process';
import { securityEngine } from './security-server';
import { attack } from './tally';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A real, fully valid black RGB PNG of `width`×`height`: tiny compressed, huge decoded. */
function blackPng(width: number, height: number, extraChunks: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const scanlines = Buffer.alloc((1 + width * 3) * height);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    ...extraChunks,
    pngChunk('IDAT', deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF whose logical screen and only frame declare `width`×`height`, with one pixel of data. */
function gifFlood(width: number, height: number): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt16LE(width, 0);
  size.writeUInt16LE(height, 2);
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    size,
    Buffer.from([0x80, 0, 0, 0, 0, 0, 255, 255, 255]), // global colour table of two colours
    Buffer.from([0x2c, 0, 0, 0, 0]),
    size,
    Buffer.from([0, 2, 2, 0x4c, 0x01, 0, 0x3b]),
  ]);
}

describe('hostile images', () => {
  let database: (DatabaseHandle & { url?: string }) | undefined;
  let node: NodeProcess | undefined;
  const uploadDir = mkdtempSync(join(tmpdir(), 'chatterlink-bombs-'));
  afterAll(async () => {
    await node?.kill();
    await database?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('refuses pixel floods and decompression bombs with a clear error; memory stays bounded, even decoding at the cap', async () => {
    database = await securityEngine.open();
    node = await NodeProcess.start(nodeEnv(database.url!, { UPLOAD_DIR: uploadDir }));
    const alice = await new TestClient(node.url).signUp('alice');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id as string;
    const upload = async (bytes: Buffer, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const res = await fetch(`${node!.url}/api/rooms/${room}/uploads`, {
        method: 'POST',
        headers: { cookie: alice.cookie!, 'x-csrf-token': alice.csrfToken! },
        body: form,
      });
      return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
    };

    const rssBefore = node.rssBytes();
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, node!.rssBytes())), 100);
    const ztxtBomb = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(64 * 2 ** 20), { level: 9 })]);
    const cases: [string, Buffer, number[]][] = [
      ['PNG pixel flood (100,000 × 100,000 declared)', pixelFloodPng(100_000, 100_000), [400]],
      ['GIF pixel flood (65,535 × 65,535 declared)', gifFlood(65_535, 65_535), [400, 415]],
      ['PNG decompression bomb (12,000 × 12,000 real pixels, 430 MB decoded)', blackPng(12_000, 12_000), [400]],
      ['PNG just under the pixel cap (7,000 × 7,000 real pixels, 147 MB decoded, 3 at once)', blackPng(7_000, 7_000), [201]],
      ['PNG zTXt bomb (a 1×1 image with 64 MiB of compressed text)', blackPng(1, 1, [pngChunk('zTXt', ztxtBomb)]), [201, 400, 415]],
    ];
    try {
      for (const [name, bytes, allowed] of cases) {
        await attack(name, async () => {
          const answers = await Promise.all([1, 2, 3].map(() => upload(bytes, 'bomb.png')));
          for (const answer of answers) {
            expect(allowed, `${name}: ${answer.status} ${JSON.stringify(answer.json)}`).toContain(answer.status);
            if (answer.status >= 400) expect(answer.json.error?.message, name).toMatch(/\w{3,}/);
          }
          if (allowed.includes(400) && allowed[0] === 400) expect(answers[0]!.json.error?.code).toBe('image_too_large');
        });
      }
    } finally {
      clearInterval(sampler);
    }
    console.log(`hostile images: server RSS ${Math.round(rssBefore / 2 ** 20)} → max ${Math.round(rssMax / 2 ** 20)} MiB`);
    await attack('hostile images exhaust server memory', () => {
      expect(node!.running).toBe(true);
      expect(rssMax).toBeLessThan(rssBefore + 400 * 2 ** 20);
    });
  });
});
