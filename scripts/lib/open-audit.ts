import { userInfo } from 'node:os';
import { randomIds, systemClock } from '../../backend/src/app/create-app';
import { Checkpoints, CheckpointSigner } from '../../backend/src/audit/checkpoints';
import { AuditService, type Reader } from '../../backend/src/audit/service';
import { openConfiguredStore } from './open-store';

/** The audit service over the configured database, reading as `cli:<os user>` (recorded like any admin read). */
export async function openAudit() {
  const opened = await openConfiguredStore();
  const { config, database, store, secrets } = opened;
  const checkpoints = new Checkpoints(database.db, store, new CheckpointSigner(secrets.secretKey));
  const audit = new AuditService({ db: database.db, store, config, clock: systemClock, ids: randomIds }, checkpoints);
  const reader: Reader = { userId: null, via: `cli:${userInfo().username}` };
  return { ...opened, audit, reader };
}
