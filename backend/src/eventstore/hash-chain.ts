import { hash } from 'node:crypto';
import type { EventMetadata } from '../db/types';

/** `prev_hash` of the first event. */
export const GENESIS_HASH = Buffer.alloc(32);

/** The columns of an event row that the chain covers: everything but the hashes. */
export interface ChainedFields {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly actor: string | null;
  readonly occurredAt: Date;
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly metadata: EventMetadata;
}

/**
 * SHA-256 over the previous hash and every stored field of the row. It covers
 * the ciphertext, not the plaintext, so destroying a data key (erasure) never
 * breaks the chain. Fields are length-prefixed so no two rows encode alike.
 */
export function chainHash(prevHash: Buffer, row: ChainedFields): Buffer {
  const fields = [
    String(row.position),
    row.stream,
    String(row.version),
    row.type,
    row.actor ?? '',
    row.occurredAt.toISOString(),
    row.keyId,
    row.nonce,
    row.ciphertext,
    canonicalJson(row.metadata),
  ];
  // One buffer hashed in one call: a hash object fed field by field cost
  // several times the hashing itself, and the append chains under its lock.
  let size = prevHash.length;
  for (const field of fields) size += 4 + (typeof field === 'string' ? Buffer.byteLength(field, 'utf8') : field.length);
  const bytes = Buffer.allocUnsafe(size);
  let offset = prevHash.copy(bytes, 0);
  for (const field of fields) {
    const length = typeof field === 'string' ? bytes.write(field, offset + 4, 'utf8') : field.copy(bytes, offset + 4);
    bytes.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return hash('sha256', bytes, 'buffer');
}

/** JSON with object keys sorted, so `jsonb`'s key reordering does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
