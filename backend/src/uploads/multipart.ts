import { uploadFields } from '@chatterlink/schema/protocol';
import type { Context } from 'koa';
import { errors as formidableErrors } from 'formidable';
import { koaBody } from 'koa-body';
import type { z } from 'zod';
import { AppError, InvalidInputError, TooLargeError } from '../errors/errors';
import { validate } from '../http/validate';
import type { SealingSink } from './sealing-sink';

/** Room for the multipart envelope (boundaries, part headers, clientId) on top of the file itself. */
const ENVELOPE_BYTES = 16 * 1024;

/** What arrived besides the file's bytes (which went to the sink). */
export interface ReceivedUpload {
  readonly fields: z.output<typeof uploadFields>;
  /** The name the client gave the file, untrusted. */
  readonly originalName: string | null;
}

function tooLarge(maxBytes: number): TooLargeError {
  return new TooLargeError(`Files may be at most ${+(maxBytes / (1024 * 1024)).toFixed(2)} MB.`);
}

/** Formidable's refusals in our taxonomy; our sink's own refusals pass through. */
function toUploadError(error: Error, maxBytes: number): AppError {
  if (error instanceof AppError) return error;
  switch ((error as { code?: number }).code) {
    case formidableErrors.biggerThanTotalMaxFileSize:
    case formidableErrors.biggerThanMaxFileSize:
      return tooLarge(maxBytes);
    case formidableErrors.maxFilesExceeded:
      return new InvalidInputError('Send one file per upload.', { field: 'file' });
    case formidableErrors.noEmptyFiles:
    case formidableErrors.smallerThanMinFileSize:
      return new InvalidInputError('The file is empty.', { field: 'file' });
    case formidableErrors.maxFieldsExceeded:
    case formidableErrors.maxFieldsSizeExceeded:
      return new InvalidInputError('Too many or too large form fields besides the file.');
    default:
      return new InvalidInputError('The multipart body could not be read.', { field: 'file' });
  }
}

/**
 * Parses a `multipart/form-data` upload with koa-body (formidable): the part
 * `file` streams into `sink` (never into memory or a plaintext file), at most
 * `maxBytes` of it, counted while it streams so an oversized upload is cut
 * off as soon as it passes the limit. A declared Content-Length that cannot
 * fit is refused before reading anything.
 */
export async function receiveUpload(ctx: Context, sink: SealingSink, maxBytes: number): Promise<ReceivedUpload> {
  if (!ctx.is('multipart/form-data')) throw new InvalidInputError('Send the file as multipart/form-data in the field "file".', { field: 'file' });
  if (Number(ctx.get('Content-Length')) > maxBytes + ENVELOPE_BYTES) throw tooLarge(maxBytes);
  const parse = koaBody({
    multipart: true,
    json: false,
    urlencoded: false,
    text: false,
    patchNode: false,
    formidable: {
      maxFiles: 1,
      maxFileSize: maxBytes,
      // Formidable checks maxFileSize only once a part has ended; the total is checked per chunk.
      maxTotalFileSize: maxBytes,
      maxFields: 4,
      maxFieldsSize: 4096,
      filter: (part) => part.name === 'file',
      fileWriteStreamHandler: () => sink,
    },
    onError: (error) => {
      throw toUploadError(error, maxBytes);
    },
  });
  await parse(ctx, async () => {});
  // Formidable may finish before the sink reports a refusal (its end callback ignores errors).
  if (sink.errored) throw toUploadError(sink.errored, maxBytes);
  const file = ctx.request.files?.file;
  if (!file || Array.isArray(file)) throw new InvalidInputError('Attach exactly one file in the field "file".', { field: 'file' });
  return { fields: validate(uploadFields, ctx.request.body), originalName: file.originalFilename };
}
