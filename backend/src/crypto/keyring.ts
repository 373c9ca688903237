import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import { GoneError } from '../errors/errors';
import { open, seal } from './aead';

/** An unwrapped data key. */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The key was destroyed on purpose (crypto-erasure): what it sealed is gone.
 * A `GoneError`, so a route that meets it answers 410 `erased`, never a 500.
 */
export class ErasedKeyError extends GoneError {
  override name = 'ErasedKeyError';
  constructor(readonly keyId: string) {
    super();
  }
}

/** The master keys a process holds: `current` wraps, `previous` (a rotation in progress) only unwrap. */
export interface MasterKeys {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
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
  #current!: { id: string; key: Buffer };
  readonly #masters = new Map<string, Buffer>();
  readonly #byId = new Map<string, Buffer>();
  readonly #byOwner = new Map<string, DataKey>();
  /** Lookups in flight, per executor: a page of rows sealed with one key asks the database once, not once a row. */
  readonly #loading = new WeakMap<Kysely<Database>, Map<string, Promise<Buffer>>>();

  /**
   * `masterKey` wraps new data keys; `previousMasterKeys` only unwrap keys
   * that a master-key rotation has not re-wrapped yet. `source`, when given,
   * re-reads the master keys (see `reload`).
   */
  constructor(
    private readonly db: Kysely<Database>,
    masterKey: Buffer,
    previousMasterKeys: readonly Buffer[] = [],
    private readonly source?: () => MasterKeys,
  ) {
    this.setMasterKeys(masterKey, previousMasterKeys);
  }

  /**
   * Picks up master keys changed since start (`make rotate-keys` rewrites the
   * instance key files): called periodically, and at once when a data key
   * turns out to be wrapped by a master key this process does not know.
   */
  reload(): void {
    if (!this.source) return;
    const keys = this.source();
    this.setMasterKeys(keys.current, keys.previous);
  }

  /** Id of the master key that wraps new data keys. */
  get masterKeyId(): string {
    return this.#current.id;
  }

  /** Replaces the master keys (e.g. after `make rotate-keys` changed the instance files). Data keys stay cached. */
  setMasterKeys(current: Buffer, previous: readonly Buffer[] = []): void {
    this.#masters.clear();
    for (const key of [...previous, current]) this.#masters.set(masterKeyIdOf(key), key);
    this.#current = { id: masterKeyIdOf(current), key: current };
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
            master_key_id: this.#current.id,
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
      const key = { id: row.id, key: this.#unwrap(row) };
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
    // Keyed by executor: a lookup started inside one transaction must not be
    // awaited from outside it (PGlite has a single connection).
    let loading = this.#loading.get(executor);
    if (!loading) this.#loading.set(executor, (loading = new Map()));
    const inFlight = loading.get(id);
    if (inFlight) return inFlight;
    const lookup = this.#load(id, executor).finally(() => loading.delete(id));
    loading.set(id, lookup);
    return lookup;
  }

  async #load(id: string, executor: Kysely<Database>): Promise<Buffer> {
    const row = await executor.selectFrom('data_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`unknown data key ${id}`);
    if (!row.wrapped) throw new ErasedKeyError(id);
    const key = this.#unwrap(row);
    this.#byId.set(id, key);
    return key;
  }

  /** Who a data key belongs to (a user id, or `system`); `undefined` for an unknown id. */
  async ownerOf(keyId: string, executor: Kysely<Database> = this.db): Promise<string | undefined> {
    const row = await executor.selectFrom('data_keys').select('owner').where('id', '=', keyId).executeTakeFirst();
    return row?.owner;
  }

  /** The id of `owner`'s data key, if one was ever made. */
  async keyIdOf(owner: string, executor: Kysely<Database> = this.db): Promise<string | undefined> {
    const row = await executor.selectFrom('data_keys').select('id').where('owner', '=', owner).executeTakeFirst();
    return row?.id;
  }

  /**
   * Crypto-erasure: forgets `owner`'s wrapped data key for good and drops it
   * from this process's cache. Other processes drop theirs at their next
   * `purgeDestroyed` (see `watch`). Returns whether a live key was destroyed.
   */
  async destroy(owner: string, at: Date): Promise<boolean> {
    const destroyed = await this.db
      .updateTable('data_keys')
      .set({ wrapped: null, destroyed_at: at })
      .where('owner', '=', owner)
      .where('wrapped', 'is not', null)
      .returning('id')
      .execute();
    const keyId = destroyed[0]?.id ?? (await this.keyIdOf(owner));
    if (keyId) this.#forget(owner, keyId);
    // An UPDATE leaves the old row version (with the wrapped key) in the table file until it is rewritten.
    if (destroyed.length > 0) await sql`vacuum full data_keys`.execute(this.db);
    return destroyed.length > 0;
  }

  /** Drops every cached key that was destroyed in the database (by this or another process). */
  async purgeDestroyed(): Promise<void> {
    const rows = await this.db.selectFrom('data_keys').select(['id', 'owner']).where('wrapped', 'is', null).execute();
    for (const row of rows) this.#forget(row.owner, row.id);
  }

  /**
   * Re-wraps up to `limit` data keys that another master key wrapped with the
   * current one; the events they seal are untouched. Each update only applies
   * if the row was not changed meanwhile. Returns how many were re-wrapped.
   */
  async rewrapBatch(limit: number): Promise<number> {
    const rows = await this.db
      .selectFrom('data_keys')
      .selectAll()
      .where('master_key_id', '!=', this.#current.id)
      .where('wrapped', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    let done = 0;
    for (const row of rows) {
      const rewrapped = this.#wrap(row.id, row.owner, this.#unwrap(row));
      const result = await this.db
        .updateTable('data_keys')
        .set({ wrapped: rewrapped, master_key_id: this.#current.id })
        .where('id', '=', row.id)
        .where('master_key_id', '=', row.master_key_id)
        .where('wrapped', 'is not', null)
        .executeTakeFirst();
      done += Number(result.numUpdatedRows);
    }
    return done;
  }

  /** How many live data keys each master key id wraps. */
  async wrapCounts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('data_keys')
      .select(['master_key_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('wrapped', 'is not', null)
      .groupBy('master_key_id')
      .execute();
    return new Map(rows.map((r) => [r.master_key_id, Number(r.n)]));
  }

  #forget(owner: string, keyId: string): void {
    this.#byOwner.delete(owner);
    this.#byId.delete(keyId);
  }

  #wrap(id: string, owner: string, key: Buffer): Buffer {
    const sealed = seal(this.#current.key, key, wrapContext(id, owner));
    return Buffer.concat([sealed.nonce, sealed.ciphertext]);
  }

  #unwrap(row: { id: string; owner: string; master_key_id: string; wrapped: Buffer | null }): Buffer {
    if (!this.#masters.has(row.master_key_id)) this.reload();
    const master = this.#masters.get(row.master_key_id);
    if (!master) {
      throw new Error(
        `data key ${row.id} is wrapped by master key ${row.master_key_id}, which this server was not given: ` +
          'put that key in EVENT_KEY_PREVIOUS or instance/EVENT_KEY.previous (see docs/deploy.md, "Rotating keys").',
      );
    }
    const wrapped = row.wrapped!;
    return open(master, { nonce: wrapped.subarray(0, 12), ciphertext: wrapped.subarray(12) }, wrapContext(row.id, row.owner));
  }
}

/** A short public fingerprint of a master key, stored beside what it wrapped. */
export function masterKeyIdOf(masterKey: Buffer): string {
  return createHash('sha256').update('chatterlink master key id').update(masterKey).digest('hex').slice(0, 16);
}

function wrapContext(id: string, owner: string): Buffer {
  return Buffer.from(`chatterlink/data-key/v1\0${id}\0${owner}`, 'utf8');
}
