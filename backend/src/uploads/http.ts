import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { principalOf } from '../http/auth';
import type { AppState } from '../http/state';
import { pathId } from '../http/validate';
import { contentDisposition, cleanFileName } from './file-name';
import { receiveUpload } from './multipart';
import { parseRange } from './range';
import { openSealedRange } from './sealed-reader';
import type { UploadsService } from './service';

/** Headers that make a served upload inert: never sniffed, never run as a page, cached only by the user's browser. */
const SERVE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'private, max-age=31536000, immutable',
  'Accept-Ranges': 'bytes',
} as const;

/** `POST /api/rooms/:id/uploads` (multipart) and `GET /api/uploads/:id` (with Range). */
export function uploadRoutes(router: Router<AppState>, deps: { uploads: UploadsService; auth: Middleware<AppState>; maxUploadBytes: number }): void {
  const { uploads, auth } = deps;

  router.post('/api/rooms/:id/uploads', auth, async (ctx) => {
    const principal = principalOf(ctx);
    const roomId = pathId(ctx.params.id, 'room');
    await uploads.assertCanUpload(principal, roomId);
    const prepared = await uploads.prepare(principal);
    try {
      const received = await receiveUpload(ctx, prepared.sink, deps.maxUploadBytes);
      const result = await uploads.complete(principal, roomId, prepared, {
        name: cleanFileName(received.originalName),
        clientId: received.fields.clientId,
      });
      ctx.status = result.duplicate ? 200 : 201;
      ctx.body = result;
    } finally {
      await prepared.sink.discard();
    }
  });

  router.get('/api/uploads/:id', auth, async (ctx) => {
    const download = await uploads.open(principalOf(ctx), pathId(ctx.params.id, 'upload'));
    const { size } = download.file;
    const etag = `"${download.file.uploadId}"`;
    ctx.set({ ...SERVE_HEADERS, ETag: etag, 'Content-Disposition': contentDisposition(download.name) });
    if (ctx.get('If-None-Match').includes(etag)) {
      ctx.status = 304;
      return;
    }
    const ifRange = ctx.get('If-Range');
    const range = !ifRange || ifRange === etag ? parseRange(ctx.get('Range'), size) : undefined;
    if (range === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      ctx.body = { error: { code: 'range_not_satisfiable', message: `The range is outside the file's ${size} bytes.` } };
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    ctx.type = download.mime;
    if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
    ctx.status = range ? 206 : 200;
    if (ctx.method !== 'HEAD') ctx.body = await openSealedRange(download.file, start, end);
    ctx.length = end - start + 1;
  });
}
