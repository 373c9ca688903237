// Draws the app icons (192, 512 and a maskable 512) as PNGs into public/icons,
// so the repository holds no binary files and the icons follow the theme colour.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const THEME = [0x34, 0x51, 0xb2];
const WHITE = [0xff, 0xff, 0xff];
const out = new URL('../public/icons/', import.meta.url);

/** CRC-32 of a PNG chunk (type + data). */
function crc32(buffer) {
  let c = ~0;
  for (const byte of buffer) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA PNG of `size`×`size` whose pixels come from `paint(x, y)` (coordinates in 0..1). */
function png(size, paint) {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = paint((x + 0.5) / size, (y + 0.5) / size);
      rows.set([r, g, b, a], row + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A speech bubble with a tail, centred, scaled by `s` (1 fills the square). */
function inBubble(x, y, s) {
  const u = (x - 0.5) / s + 0.5;
  const v = (y - 0.5) / s + 0.5;
  const inBody = ((u - 0.5) / 0.4) ** 2 + ((v - 0.45) / 0.3) ** 2 <= 1;
  const inTail = v >= 0.62 && v <= 0.86 && u >= 0.28 && u <= 0.5 && u - 0.28 <= (0.86 - v) * 0.9;
  return inBody || inTail;
}

function inRoundedSquare(x, y, radius) {
  const dx = Math.max(radius - x, 0, x - (1 - radius));
  const dy = Math.max(radius - y, 0, y - (1 - radius));
  return dx * dx + dy * dy <= radius * radius;
}

const regular = (x, y) => (!inRoundedSquare(x, y, 0.22) ? [0, 0, 0, 0] : [...(inBubble(x, y, 0.78) ? WHITE : THEME), 255]);
// Maskable icons are cropped to a circle of 80 %: full-bleed colour, the bubble inside the safe zone.
const maskable = (x, y) => [...(inBubble(x, y, 0.6) ? WHITE : THEME), 255];

mkdirSync(out, { recursive: true });
writeFileSync(new URL('icon-192.png', out), png(192, regular));
writeFileSync(new URL('icon-512.png', out), png(512, regular));
writeFileSync(new URL('icon-maskable-512.png', out), png(512, maskable));
console.log('icons: 192, 512, maskable 512 written to public/icons');
