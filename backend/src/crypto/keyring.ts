import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import { open, seal } from './aead';

/** An unwrapped data key. */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The key was destroyed on purpose (crypto-erasure): what it sealed is gone. */
export class ErasedKeyError extends Error {
  override name = 'ErasedKeyError';
  constructor(readonly keyId: string) {
    super(`data key ${keyId} has been erased`);
  }
}

/** Owner of the data key that seals events about no particular person. */
export const SYSTEM_KEY_OWNER = 'system';

/**
 * Envelope encryption: each owner (a user, or the system) has one random
 * 256-bit data key, stored wrapped by the master key `EVENT_KEY`. Events are
 * sealed with their subject's data key, so destroying that one key erases a
 * person everywhere without touching the append-only log.
 */
export class Keyring {
  readonly masterKeyId: string;
  readonly #byId = new Map<string, Buffer>();
  readonly #byOwner = new Map<string, DataKey>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly masterKey: Buffer,
  ) {
    this.masterKeyId = masterKeyIdOf(masterKey);
  }

  /** The data keys of `owners`, created on first use. */
  async keysFor(owners: Iterable<string>): Promise<Map<string, DataKey>> {
    const result = new Map<string, DataKey>();
    const missing: string[] = [];
    for (const owner of new Set(owners)) {
      const cached = this.#byOwner.get(owner);
      if (cached) result.set(owner, cached);
      else missing.push(owner);
    }
    if (missing.length === 0) return result;
    const now = new Date();
    await this.db
      .insertInto('data_keys')
      .values(
        missing.map((owner) => {
          const id = randomUUID();
          return {
            id,
            owner,
            master_key_id: this.masterKeyId,
            wrapped: this.#wrap(id, owner, randomBytes(32)),
            created_at: now,
            destroyed_at: null,
          };
        }),
      )
      .onConflict((oc) => oc.column('owner').doNothing())
      .execute();
    const rows = await this.db.selectFrom('data_keys').selectAll().where('owner', 'in', missing).execute();
    for (const row of rows) {
      if (!row.wrapped) throw new ErasedKeyError(row.id);
      const key = { id: row.id, key: this.#unwrap(row.id, row.owner, row.wrapped) };
      this.#byOwner.set(row.owner, key);
      this.#byId.set(row.id, key.key);
      result.set(row.owner, key);
    }
    return result;
  }

  /** The data key with this id; throws `ErasedKeyError` if it was destroyed. */
  async keyById(id: string, executor: Kysely<Database> = this.db): Promise<Buffer> {
    const cached = this.#byId.get(id);
    if (cached) return cached;
    const row = await executor.selectFrom('data_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`unknown data key ${id}`);
    if (!row.wrapped) throw new ErasedKeyError(id);
    const key = this.#unwrap(row.id, row.owner, row.wrapped);
    this.#byId.set(id, key);
    return key;
  }

  #wrap(id: string, owner: string, key: Buffer): Buffer {
    const sealed = seal(this.masterKey, key, wrapContext(id, owner));
    return Buffer.concat([sealed.nonce, sealed.ciphertext]);
  }

  #unwrap(id: string, owner: string, wrapped: Buffer): Buffer {
    return open(this.masterKey, { nonce: wrapped.subarray(0, 12), ciphertext: wrapped.subarray(12) }, wrapContext(id, owner));
  }
}

/** A short public fingerprint of a master key, stored beside what it wrapped. */
export function masterKeyIdOf(masterKey: Buffer): string {
  return createHash('sha256').update('chatterlink master key id').update(masterKey).digest('hex').slice(0, 16);
}

function wrapContext(id: string, owner: string): Buffer {
  return Buffer.from(`chatterlink/data-key/v1\0${id}\0${owner}`, 'utf8');
}
