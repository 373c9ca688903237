import { describe, expect, it } from 'vitest';
import { sampleImages, sampleMp4, sampleWebm } from '../../test/upload-samples';
import { sniffType } from './sniff';

function ftyp(major: string, ...compatible: string[]): Buffer {
  const body = Buffer.from(`${major}\0\0\0\0${compatible.join('')}`, 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from('ftyp', 'latin1'), body, Buffer.alloc(32)]);
}

describe('sniffType', () => {
  it('recognises every allowed type by its magic bytes', async () => {
    const images = await sampleImages();
    expect(sniffType(images.png)).toBe('image/png');
    expect(sniffType(images.jpeg)).toBe('image/jpeg');
    expect(sniffType(images.gif)).toBe('image/gif');
    expect(sniffType(images.webp)).toBe('image/webp');
    expect(sniffType(images.avif)).toBe('image/avif');
    expect(sniffType(sampleMp4())).toBe('video/mp4');
    expect(sniffType(sampleWebm())).toBe('video/webm');
  });

  it('tells AVIF from MP4 by the ftyp brands and refuses other ISO media', () => {
    expect(sniffType(ftyp('avif', 'mif1', 'miaf'))).toBe('image/avif');
    expect(sniffType(ftyp('mif1', 'avif'))).toBe('image/avif');
    expect(sniffType(ftyp('mp42', 'isom'))).toBe('video/mp4');
    expect(sniffType(ftyp('heic', 'mif1'))).toBeUndefined();
    expect(sniffType(ftyp('qt  '))).toBeUndefined();
    expect(sniffType(ftyp('mif1', 'heic'))).toBeUndefined();
  });

  it('refuses markup, Matroska that is not WebM, and anything unknown or short', () => {
    for (const text of ['<svg xmlns="http://www.w3.org/2000/svg"/>', '<!doctype html><p>hi', '%PDF-1.7', 'GIF8', 'RIFF0000WAVEfmt ']) {
      expect(sniffType(Buffer.from(text, 'latin1')), text).toBeUndefined();
    }
    const matroska = Buffer.from(sampleWebm().toString('latin1').replace('webm', 'mkvx'), 'latin1');
    expect(sniffType(matroska)).toBeUndefined();
    expect(sniffType(Buffer.alloc(0))).toBeUndefined();
  });
});
