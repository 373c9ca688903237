import sharp, { type Metadata } from 'sharp';
import { InvalidInputError, UnsupportedTypeError } from '../errors/errors';
import { ConcurrencyLimit } from '../limits/concurrency-limit';
import type { UploadMime } from './sniff';

/**
 * Largest image accepted, in pixels per frame: checked against the
 * dimensions the header declares before any pixel is decoded, so a small
 * file declaring a huge canvas (a decompression bomb) costs nothing.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** Longest side of a preview. */
export const PREVIEW_SIDE = 256;
/** A preview larger than this (base64 aside) is left out rather than bloating every history page. */
const MAX_PREVIEW_BYTES = 24 * 1024;

// Decoded images must not linger in libvips' operation cache, and only a couple are decoded at a
// time: memory stays bounded however many uploads arrive together.
sharp.cache(false);
const decoding = new ConcurrencyLimit(2);

/** The decoder libvips must recognise for each sniffed image type. */
const DECODER: Partial<Record<UploadMime, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'heif',
};

/** What the timeline needs to lay out and show an image before downloading it. */
export interface ImageInfo {
  /** As displayed, i.e. after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** A small WebP rendition, when one fits the size budget. */
  readonly preview: Buffer | undefined;
}

/**
 * Reads an image's dimensions from its header, refuses pixel floods, then
 * decodes it (first frame only) into a small preview. An image that does
 * not decode is refused as unsupported.
 */
export function inspectImage(bytes: Buffer, mime: UploadMime): Promise<ImageInfo> {
  return decoding.run(() => decode(bytes, mime));
}

async function decode(bytes: Buffer, mime: UploadMime): Promise<ImageInfo> {
  const options = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' } as const;
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnsupportedTypeError('The image could not be read.');
  }
  if (metadata.format !== DECODER[mime]) throw new UnsupportedTypeError('The image is not what its first bytes say it is.');
  if (metadata.width * metadata.height > MAX_IMAGE_PIXELS) {
    throw new InvalidInputError(`Images may have at most ${MAX_IMAGE_PIXELS / 1_000_000} million pixels.`, { field: 'file' }, 'image_too_large');
  }
  let preview: Buffer;
  try {
    preview = await sharp(bytes, options)
      .autoOrient()
      .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 50 })
      .toBuffer();
  } catch {
    throw new UnsupportedTypeError('The image could not be decoded.');
  }
  return {
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    preview: preview.length <= MAX_PREVIEW_BYTES ? preview : undefined,
  };
}
