import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CheckpointSigner } from './checkpoints';

const secret = randomBytes(48).toString('base64url');

describe('CheckpointSigner', () => {
  it('derives the same Ed25519 key from the same SECRET_KEY, and another from another', () => {
    expect(new CheckpointSigner(secret).keyId).toBe(new CheckpointSigner(secret).keyId);
    expect(new CheckpointSigner(randomBytes(48).toString('base64url')).keyId).not.toBe(new CheckpointSigner(secret).keyId);
  });

  it('verifies what it signed, in another process with the same secret', () => {
    const checkpoint = new CheckpointSigner(secret).sign(42, randomBytes(32), new Date('2026-01-01T00:00:00Z'));
    expect(checkpoint.signature).toHaveLength(64);
    expect(new CheckpointSigner(secret).verify(checkpoint)).toBe(true);
  });

  it('refuses a checkpoint whose position, hash, time or signature changed, or that another key signed', () => {
    const signer = new CheckpointSigner(secret);
    const checkpoint = signer.sign(42, randomBytes(32), new Date('2026-01-01T00:00:00Z'));
    expect(signer.verify({ ...checkpoint, position: 43 })).toBe(false);
    expect(signer.verify({ ...checkpoint, hash: randomBytes(32) })).toBe(false);
    expect(signer.verify({ ...checkpoint, signedAt: new Date('2026-01-01T00:00:01Z') })).toBe(false);
    expect(signer.verify({ ...checkpoint, signature: randomBytes(64) })).toBe(false);
    const other = new CheckpointSigner(randomBytes(48).toString('base64url'));
    expect(signer.verify(other.sign(42, checkpoint.hash, checkpoint.signedAt))).toBe(false);
  });
});
