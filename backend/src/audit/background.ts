import type { Logger } from 'pino';
import type { Keyring } from '../crypto/keyring';
import type { Checkpoints } from './checkpoints';

/** How often each node signs the chain head (when it moved) and re-checks its keys. */
export const CHECKPOINT_INTERVAL_MS = 5 * 60_000;
export const KEY_WATCH_INTERVAL_MS = 2000;

/**
 * The node's periodic audit work: signed checkpoints, and keeping its keys
 * current. A data key destroyed by another node or by `make erase-user` is
 * dropped from this node's cache within one interval, and master keys changed
 * by `make rotate-keys` are picked up the same way (`Keyring.reload`).
 */
export function startAuditBackground(deps: { keyring: Keyring; checkpoints: Checkpoints; logger: Logger }): () => void {
  const { keyring, checkpoints, logger } = deps;
  const stopCheckpoints = checkpoints.startPeriodic(CHECKPOINT_INTERVAL_MS, (err) => logger.warn({ err }, 'checkpoint failed'));
  const watch = async () => {
    keyring.reload();
    await keyring.purgeDestroyed();
  };
  const timer = setInterval(() => watch().catch((err: unknown) => logger.warn({ err }, 'key watch failed')), KEY_WATCH_INTERVAL_MS);
  timer.unref();
  return () => {
    stopCheckpoints();
    clearInterval(timer);
  };
}
