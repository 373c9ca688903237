import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { auditFilterQuery, auditPageQuery } from '@chatterlink/schema/protocol';
import type { Middleware } from 'koa';
import { principalOf, requireAdmin } from '../http/auth';
import type { AppContext, AppState } from '../http/state';
import { pathId, validate } from '../http/validate';
import type { ErasureService } from './erasure';
import type { AuditService, Reader } from './service';

const readerOf = (ctx: AppContext): Reader => ({ userId: principalOf(ctx).user.id });

/**
 * The admin routes of the audit context: browse, export and verify the log
 * (every one of them recorded as `audit.read`), sign a checkpoint now, and
 * erase a person. Everyone else gets 403 `forbidden` (401 without a session).
 */
export function auditRoutes(router: Router<AppState>, deps: { audit: AuditService; erasure: ErasureService; auth: Middleware<AppState> }): void {
  const { audit, erasure, auth } = deps;

  router.get('/api/admin/events', auth, requireAdmin, async (ctx) => {
    const { limit, ...filter } = validate(auditPageQuery, ctx.query);
    ctx.body = await audit.page(readerOf(ctx), filter, limit);
  });

  router.get('/api/admin/events/export', auth, requireAdmin, async (ctx) => {
    const filter = validate(auditFilterQuery, ctx.query);
    const lines = await audit.exportLines(readerOf(ctx), filter);
    ctx.type = 'application/x-ndjson';
    ctx.set('Content-Disposition', 'attachment; filename="chatterlink-events.ndjson"');
    ctx.set('Cache-Control', 'no-store');
    // Pulled page by page as the client reads: backpressure all the way to the database.
    ctx.body = Readable.from(lines, { objectMode: false });
  });

  router.get('/api/admin/verify', auth, requireAdmin, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await audit.verify(readerOf(ctx));
  });

  router.post('/api/admin/checkpoints', auth, requireAdmin, async (ctx) => {
    const checkpoint = await audit.checkpoint();
    ctx.status = 201;
    ctx.body = {
      checkpoint: checkpoint && {
        position: checkpoint.position,
        hash: checkpoint.hash.toString('hex'),
        signedAt: checkpoint.signedAt.toISOString(),
        keyId: checkpoint.keyId,
      },
    };
  });

  router.post('/api/admin/users/:id/erase', auth, requireAdmin, async (ctx) => {
    const userId = pathId(ctx.params.id, 'user');
    ctx.body = await erasure.erase({ id: userId }, principalOf(ctx).user.id);
  });
}
