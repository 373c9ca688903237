import { z } from 'zod';

const positionParam = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const timeParam = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).transform((s) => new Date(s));
const nameList = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean));

/**
 * Filters of the admin event-log routes (`GET /api/admin/events`, `/export`),
 * all optional: positions in `(after, upTo]`, occurrence time in `[from, to)`,
 * one stream, one actor (a user id), one or more types (comma-separated).
 */
export const auditFilterQuery = z.object({
  after: positionParam.default(0),
  upTo: positionParam.optional(),
  stream: z.string().min(1).max(200).optional(),
  type: nameList.optional(),
  actor: z.string().min(1).max(200).optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
});
export type AuditFilter = z.output<typeof auditFilterQuery>;

/** A page of the log: at most `limit` (1–1000, default 100) events. */
export const auditPageQuery = auditFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * One event as admins see it: `data` is the decrypted payload; `null` with
 * `erased: true` when its subject was erased, or with `unreadable: true` when
 * it does not decrypt (see `GET /api/admin/verify`).
 */
export const auditEvent = z.object({
  position: z.number(),
  stream: z.string(),
  version: z.number(),
  type: z.string(),
  actor: z.string().nullable(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string(),
  erased: z.boolean().optional(),
  unreadable: z.boolean().optional(),
});
export type AuditEventDto = z.infer<typeof auditEvent>;

/** `GET /api/admin/events`: `next` is the `after` of the following page, `null` at the end. */
export const auditPage = z.object({ events: z.array(auditEvent), next: z.number().nullable() });

/** `GET /api/admin/verify`. */
export const verifyReport = z.object({
  ok: z.boolean(),
  checked: z.number(),
  head: z.number(),
  firstBadPosition: z.number().optional(),
  reason: z.string().optional(),
  checkpoint: z.object({ position: z.number(), signedAt: z.string() }).nullable(),
});
export type VerifyReportDto = z.infer<typeof verifyReport>;
