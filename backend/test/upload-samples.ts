import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A tiny real image of each allowed raster type, made by libvips. */
export async function sampleImages(width = 40, height = 30): Promise<Record<'png' | 'jpeg' | 'gif' | 'webp' | 'avif', Buffer>> {
  const base = () => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  return {
    png: await base().png().toBuffer(),
    jpeg: await base().jpeg().toBuffer(),
    gif: await base().gif().toBuffer(),
    webp: await base().webp().toBuffer(),
    avif: await base().avif().toBuffer(),
  };
}

/**
 * `size` random bytes that the upload's markup scan (uploads/markup-scan.ts)
 * cannot take for markup: no `<` and no `:`. Plain random bytes hold a tag
 * like `<svg ` by chance: about two 3 MB files in 10,000, refused with 415.
 */
export function mediaNoise(size: number): Buffer {
  const bytes = randomBytes(size);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x3c || bytes[i] === 0x3a) bytes[i] = 0;
  return bytes;
}

function box(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** An ISO-BMFF file with an MP4 `ftyp` box and `payload` as its media data. */
export function sampleMp4(payload: Buffer = mediaNoise(1024)): Buffer {
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'latin1')]));
  return Buffer.concat([ftyp, box('free', Buffer.alloc(0)), box('mdat', payload)]);
}

/** A Matroska file whose EBML header declares the `webm` DocType, followed by `payload`. */
export function sampleWebm(payload: Buffer = mediaNoise(1024)): Buffer {
  const elements = Buffer.from([
    0x42, 0x86, 0x81, 0x01, // EBMLVersion 1
    0x42, 0xf7, 0x81, 0x01, // EBMLReadVersion 1
    0x42, 0xf2, 0x81, 0x04, // EBMLMaxIDLength 4
    0x42, 0xf3, 0x81, 0x08, // EBMLMaxSizeLength 8
    0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d, // DocType "webm"
    0x42, 0x87, 0x81, 0x02, // DocTypeVersion 2
    0x42, 0x85, 0x81, 0x02, // DocTypeReadVersion 2
  ]);
  const header = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | elements.length]), elements]);
  const segment = Buffer.concat([Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), payload]);
  return Buffer.concat([header, segment]);
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A valid-looking PNG that declares a `width`×`height` canvas but carries almost no data (a pixel flood). */
export function pixelFloodPng(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
