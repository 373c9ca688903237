import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring';
import type { Database, EventRow } from '../db/types';
import type { EventStore, RedactionSource } from '../eventstore/store';
import { userStream } from '../identity/events';

/**
 * Finds the redacted payload of an erased event in its subject's
 * `user.erased` event (sealed with the system key, so it stays readable).
 * Erasures are rare and final, so what was found is kept for the process's life.
 */
export class ErasureRedactions implements RedactionSource {
  readonly #byOwner = new Map<string, Map<number, Record<string, unknown>>>();

  constructor(private readonly keyring: Keyring) {}

  async redactedData(row: EventRow, store: EventStore, executor: Kysely<Database>): Promise<unknown> {
    const owner = await this.keyring.ownerOf(row.key_id, executor);
    if (owner === undefined) return undefined;
    let byPosition = this.#byOwner.get(owner);
    if (!byPosition?.has(row.position)) {
      byPosition = await this.#load(owner, store, executor);
      if (byPosition.size > 0) this.#byOwner.set(owner, byPosition);
    }
    return byPosition.get(row.position);
  }

  async #load(owner: string, store: EventStore, executor: Kysely<Database>): Promise<Map<number, Record<string, unknown>>> {
    const rows = await store.readRows({ after: 0, limit: 100, streams: [userStream(owner)], types: ['user.erased'], allCommitted: true }, executor);
    const byPosition = new Map<number, Record<string, unknown>>();
    for (const row of rows) {
      const event = await store.decode(row, executor);
      if (event.type !== 'user.erased') continue;
      for (const redaction of event.data.redactions) byPosition.set(redaction.position, redaction.data);
    }
    return byPosition;
  }
}
