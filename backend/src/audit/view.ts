import type { AuditEventDto, AuditFilter } from '@chatterlink/schema/protocol';
import type { EventRow } from '../db/types';
import type { EventStore, ReadOptions } from '../eventstore/store';
import { GoneError } from '../errors/errors';

/** Fields no route ever shows, admins included: a password hash would invite offline guessing. */
const HIDDEN_FIELDS = new Set(['passwordHash']);

function withoutSecrets(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([field]) => !HIDDEN_FIELDS.has(field)));
}

/** The store's read options for an admin filter. */
export function readOptionsOf(filter: AuditFilter, limit: number): ReadOptions {
  return {
    after: filter.after,
    limit,
    allCommitted: true,
    ...(filter.upTo !== undefined ? { upTo: filter.upTo } : {}),
    ...(filter.stream !== undefined ? { streams: [filter.stream] } : {}),
    ...(filter.type !== undefined ? { types: filter.type } : {}),
    ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
    ...(filter.from !== undefined ? { from: filter.from } : {}),
    ...(filter.to !== undefined ? { to: filter.to } : {}),
  };
}

/**
 * One row as admins see it, decrypted. An erased subject's event shows
 * `data: null, erased: true`; a row that does not decrypt (tampering, a
 * missing master key) shows `unreadable: true` instead of failing the page.
 */
export async function auditEventOf(store: EventStore, row: EventRow): Promise<AuditEventDto> {
  const base = {
    position: row.position,
    stream: row.stream,
    version: row.version,
    type: row.type,
    actor: row.actor,
    at: new Date(row.occurred_at).toISOString(),
    hash: row.hash.toString('hex'),
  };
  try {
    const event = await store.decode(row);
    return event.erased ? { ...base, data: null, erased: true } : { ...base, data: withoutSecrets(event.data) };
  } catch (error) {
    return error instanceof GoneError ? { ...base, data: null, erased: true } : { ...base, data: null, unreadable: true };
  }
}
