import { createHash } from 'node:crypto';
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
  const hash = createHash('sha256').update(prevHash);
  const field = (value: string | Buffer) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  field(String(row.position));
  field(row.stream);
  field(String(row.version));
  field(row.type);
  field(row.actor ?? '');
  field(row.occurredAt.toISOString());
  field(row.keyId);
  field(row.nonce);
  field(row.ciphertext);
  field(canonicalJson(row.metadata));
  return hash.digest();
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
