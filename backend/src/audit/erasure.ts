import type { ServiceContext } from '../app/context';
import type { Keyring } from '../crypto/keyring';
import { ConflictError, NotFoundError } from '../errors/errors';
import { userStream } from '../identity/events';
import { decideEndSessions, decideErase } from './decide';
import { erasedUsername } from './redact';

/** What an erasure did. */
export interface ErasureResult {
  readonly userId: string;
  /** Events whose content became unreadable (their redacted structure is kept). */
  readonly erasedEvents: number;
  readonly sessionsEnded: number;
  /** The person had been erased before; only the key destruction was (re)checked. */
  readonly alreadyErased: boolean;
}

const ATTEMPTS = 5;

/**
 * Crypto-erasure of one person: ends their sessions, records `user.erased`
 * with the content-free structure of everything their key sealed, then
 * destroys their data key. Their events stay in the log and the hash chain
 * still verifies, but their messages, name and uploads can no longer be
 * decrypted by anyone, with or without the master key. Safe to repeat: a run
 * cut short after the event is finished by the next.
 */
export class ErasureService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly keyring: Keyring,
  ) {}

  /** Erases the user with this id, or (`byName`) this username. `actor` is the admin, `null` for the command line. */
  async erase(user: { id: string } | { username: string }, actor: string | null): Promise<ErasureResult> {
    const row = await this.#findUser(user);
    if (!row) throw new NotFoundError('No such user.', 'user_not_found');
    if (row.username === erasedUsername(row.id)) {
      await this.keyring.destroy(row.id, this.ctx.clock.now());
      return { userId: row.id, erasedEvents: 0, sessionsEnded: 0, alreadyErased: true };
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#eraseOnce(row.id, actor);
      } catch (error) {
        // A login slipped in between reading and recording: read again.
        if (!(error instanceof ConflictError && error.code === 'version_conflict') || attempt === ATTEMPTS) throw error;
      }
    }
  }

  async #eraseOnce(userId: string, actor: string | null): Promise<ErasureResult> {
    const { store, db, clock } = this.ctx;
    const open = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('ended_at', 'is', null).execute();
    const endSessions = decideEndSessions(userId, open.map((s) => s.id));
    if (endSessions.length > 0) await store.append({ actor, occurredAt: clock.now(), events: endSessions });
    // Their requests already past authentication on this node commit before we read what their key sealed.
    await store.flush();

    const version = await store.streamVersion(userStream(userId));
    const keyId = await this.keyring.keyIdOf(userId);
    let sealed = await this.#sealedBy(keyId, new Set());
    await store.append({
      actor,
      occurredAt: clock.now(),
      events: decideErase(userId, sealed, await this.#roomsOf(userId)),
      // Anything new in their stream (a login) since `sealed` was read fails this, and we start over.
      expected: { [userStream(userId)]: version },
    });
    const redacted = new Set(sealed.map((e) => e.position));
    // A request of theirs that another node had already authenticated may have committed meanwhile:
    // record its redaction too while the key still exists.
    for (let late = await this.#sealedBy(keyId, redacted); late.length > 0; late = await this.#sealedBy(keyId, redacted)) {
      await store.append({ actor, occurredAt: clock.now(), events: decideErase(userId, late) });
      for (const event of late) redacted.add(event.position);
      sealed = [...sealed, ...late];
    }
    await this.keyring.destroy(userId, clock.now());
    return { userId, erasedEvents: sealed.length, sessionsEnded: endSessions.length, alreadyErased: false };
  }

  /** Rooms where the person wrote or is a member: their members' clients hold copies to drop. */
  async #roomsOf(userId: string): Promise<string[]> {
    const [written, joined] = await Promise.all([
      this.ctx.db.selectFrom('messages').select('room_id').distinct().where('author_id', '=', userId).execute(),
      this.ctx.db.selectFrom('memberships').select('room_id').where('user_id', '=', userId).execute(),
    ]);
    return [...new Set([...written, ...joined].map((r) => r.room_id))].sort();
  }

  /** The decrypted events `keyId` sealed, except those at `skip` positions. */
  async #sealedBy(keyId: string | undefined, skip: ReadonlySet<number>) {
    if (!keyId) return [];
    const rows = (await this.ctx.store.rowsSealedBy(keyId)).filter((row) => !skip.has(row.position));
    return Promise.all(rows.map((row) => this.ctx.store.decode(row)));
  }

  #findUser(user: { id: string } | { username: string }) {
    const query = this.ctx.db.selectFrom('users').select(['id', 'username']);
    return ('id' in user ? query.where('id', '=', user.id) : query.where('username_lower', '=', user.username.toLowerCase())).executeTakeFirst();
  }
}
