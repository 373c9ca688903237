/** The only content types an upload may have: raster images and web videos. */
export const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'video/mp4', 'video/webm'] as const;
export type UploadMime = (typeof UPLOAD_TYPES)[number];

/** Types whose pixels the server decodes for dimensions and a preview. */
export const IMAGE_TYPES: ReadonlySet<UploadMime> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

/** How many leading bytes `sniffType` wants to see (fewer only when the file is shorter). */
export const SNIFF_BYTES = 64;

const AVIF_BRANDS = new Set(['avif', 'avis']);
// ISO base media brands of plain MP4 video; HEIC, QuickTime and 3GP are not on the list.
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso8', 'iso9', 'mp41', 'mp42', 'avc1', 'dash', 'M4V ', 'mmp4']);
const WEBM_DOCTYPE = Buffer.from([0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]); // DocType element, length 4, "webm"

function startsWith(head: Buffer, bytes: readonly number[] | string, at = 0): boolean {
  const expected = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + expected.length && head.subarray(at, at + expected.length).equals(expected);
}

/** The major and compatible brands of an ISO-BMFF `ftyp` box at the start of the file. */
function isoBrands(head: Buffer): { major: string; compatible: string[] } | undefined {
  if (head.length < 16 || !startsWith(head, 'ftyp', 4)) return undefined;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= boxEnd; at += 4) compatible.push(head.toString('latin1', at, at + 4));
  return { major: head.toString('latin1', 8, 12), compatible };
}

function sniffIsoMedia(head: Buffer): UploadMime | undefined {
  const brands = isoBrands(head);
  if (!brands) return undefined;
  if (AVIF_BRANDS.has(brands.major) || (brands.major === 'mif1' && brands.compatible.some((b) => AVIF_BRANDS.has(b)))) return 'image/avif';
  return MP4_BRANDS.has(brands.major) ? 'video/mp4' : undefined;
}

/**
 * The type of a file from its first bytes (magic numbers), or `undefined`
 * for anything not on the allow-list. What the client called the file or
 * claimed it to be plays no part.
 */
export function sniffType(head: Buffer): UploadMime | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, 'GIF87a') || startsWith(head, 'GIF89a')) return 'image/gif';
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return 'image/webp';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return head.subarray(0, SNIFF_BYTES).includes(WEBM_DOCTYPE) ? 'video/webm' : undefined;
  return sniffIsoMedia(head);
}
