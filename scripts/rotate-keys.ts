/**
 * `make rotate-keys`: wraps every data key under a new master key without
 * rewriting an event, then retires the old master key (see
 * backend/src/audit/rotation.ts and docs/deploy.md "Rotating keys").
 */
import { rotateMasterKey } from '../backend/src/audit/rotation';
import { openConfiguredStore } from './lib/open-store';

const { config, database, keyring } = await openConfiguredStore().catch((error: unknown) => {
  console.error(`Cannot rotate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
try {
  const total = [...(await keyring.wrapCounts()).values()].reduce((a, b) => a + b, 0);
  console.error(`Re-wrapping up to ${total} data keys…`);
  const report = await rotateMasterKey(database.db, config, { onProgress: (done) => process.stderr.write(`\r  ${done} re-wrapped`) });
  process.stderr.write('\n');
  console.log(`New master key ${report.newMasterKeyId} (${report.mode === 'files' ? `written to ${config.instanceDir}/EVENT_KEY` : 'from EVENT_KEY'}); ${report.rewrapped} data keys re-wrapped.`);
  if (report.retired.length > 0) console.log(`Retired master key(s): ${report.retired.join(', ')}.`);
  const stale = [...report.wrapCounts].filter(([id]) => id !== report.newMasterKeyId);
  if (stale.length > 0) {
    console.error(`Still wrapped by older keys: ${stale.map(([id, n]) => `${n} by ${id}`).join(', ')}. Run make rotate-keys again.`);
    process.exitCode = 1;
  } else if (report.mode === 'environment') {
    console.log('Every data key now depends on EVENT_KEY alone: remove EVENT_KEY_PREVIOUS from the environment at the next restart.');
  }
} catch (error) {
  console.error('Rotation failed:', error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await database.close();
}
