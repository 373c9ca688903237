import { describe, expect, it } from 'vitest';
import { MarkupScanner } from './markup-scan';

const scan = (...chunks: Buffer[]) => {
  const scanner = new MarkupScanner();
  return chunks.some((chunk) => scanner.push(chunk));
};

describe('MarkupScanner', () => {
  it('finds active markup anywhere, in any case, even split across chunks', () => {
    const filler = Buffer.alloc(100_000, 0x41);
    expect(scan(filler, Buffer.from('<ScRiPt>alert(1)</script>'))).toBe(true);
    expect(scan(filler, Buffer.from('xx<sv'), Buffer.from('g onload=alert(1)>'))).toBe(true);
    expect(scan(filler, Buffer.from('href="javascript:alert(1)"'))).toBe(true);
  });

  it('finds the short HTML patterns browsers sniff only near the start', () => {
    expect(scan(Buffer.from('\xff\xd8\xff<img src=x onerror=alert(1)>', 'latin1'))).toBe(true);
    expect(scan(Buffer.alloc(2000, 0x41), Buffer.from('<img src=x>'))).toBe(false);
  });

  it('passes binary data and XMP metadata', () => {
    expect(scan(Buffer.from('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>', 'latin1'))).toBe(false);
    // A fixed pseudo-random megabyte (Knuth's multiplicative hash), so the test cannot flake.
    const noise = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => Math.imul(i, 2654435761) >>> 24));
    expect(scan(noise)).toBe(false);
  });
});
