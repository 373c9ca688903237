import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { EventStore } from '../eventstore/store';

/** A signed chain head. */
export interface Checkpoint {
  readonly position: number;
  readonly hash: Buffer;
  readonly signedAt: Date;
  readonly keyId: string;
  readonly signature: Buffer;
}

// PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The server's Ed25519 checkpoint key, derived from SECRET_KEY with HKDF (so
 * there is no extra secret to keep; a new SECRET_KEY starts a new key id and
 * older checkpoints are then reported as signed by another key).
 */
export class CheckpointSigner {
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  constructor(secretKey: string) {
    const seed = Buffer.from(hkdfSync('sha256', secretKey, 'chatterlink', 'checkpoint-signing/v1', 32));
    this.#privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.#publicKey = createPublicKey(this.#privateKey);
    const spki = this.#publicKey.export({ format: 'der', type: 'spki' });
    this.keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
  }

  sign(position: number, hash: Buffer, signedAt: Date): Checkpoint {
    const signature = sign(null, signedMessage(position, hash, signedAt), this.#privateKey);
    return { position, hash, signedAt, keyId: this.keyId, signature };
  }

  /** True when `checkpoint` was signed by this key and not altered since. */
  verify(checkpoint: Checkpoint): boolean {
    if (checkpoint.keyId !== this.keyId) return false;
    return verify(null, signedMessage(checkpoint.position, checkpoint.hash, checkpoint.signedAt), this.#publicKey, checkpoint.signature);
  }
}

function signedMessage(position: number, hash: Buffer, signedAt: Date): Buffer {
  return Buffer.from(`chatterlink/checkpoint/v1\0${position}\0${hash.toString('hex')}\0${signedAt.toISOString()}`, 'utf8');
}

/**
 * Writes and reads signed checkpoints. With checkpoints, cutting rows off the
 * end of the log (which leaves a valid, shorter chain) is detected: the
 * latest checkpoint names a position and hash the log must still contain.
 */
export class Checkpoints {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: EventStore,
    private readonly signer: CheckpointSigner,
  ) {}

  /** Signs the current head and stores it; `undefined` for an empty log. Idempotent per position. */
  async write(now: Date): Promise<Checkpoint | undefined> {
    const head = await this.store.chainHead();
    if (head.position === 0) return undefined;
    const checkpoint = this.signer.sign(head.position, head.hash, now);
    await this.db
      .insertInto('checkpoints')
      .values({
        position: checkpoint.position,
        hash: checkpoint.hash,
        signed_at: checkpoint.signedAt,
        key_id: checkpoint.keyId,
        signature: checkpoint.signature,
      })
      .onConflict((oc) => oc.column('position').doNothing())
      .execute();
    return checkpoint;
  }

  /**
   * The latest checkpoint carrying this server's key id, and whether its
   * signature holds (`forged` when it does not: someone wrote it by hand).
   */
  async latest(): Promise<{ checkpoint: Checkpoint; forged: boolean } | undefined> {
    const row = await this.db
      .selectFrom('checkpoints')
      .selectAll()
      .where('key_id', '=', this.signer.keyId)
      .orderBy('position', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const checkpoint = { position: row.position, hash: row.hash, signedAt: new Date(row.signed_at), keyId: row.key_id, signature: row.signature };
    return { checkpoint, forged: !this.signer.verify(checkpoint) };
  }

  /** Writes a checkpoint every `intervalMs` when the log grew; returns the stop function. */
  startPeriodic(intervalMs: number, onError: (error: unknown) => void): () => void {
    let last = -1;
    const tick = async () => {
      const head = await this.store.chainHead();
      if (head.position === last) return;
      await this.write(new Date());
      last = head.position;
    };
    const timer = setInterval(() => tick().catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
