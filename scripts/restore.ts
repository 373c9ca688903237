/**
 * `make restore FROM=<dir> [FORCE=1]`: brings a backup back into the
 * configured instance (an empty Postgres database, or a new embedded one),
 * then verifies the restored hash chain and signed checkpoint.
 */
import { restoreBackup } from '../backend/src/audit/backup';
import { loadConfig } from '../backend/src/config/config';
import { openAudit } from './lib/open-audit';

const from = process.argv[2];
if (!from) {
  console.error('Usage: make restore FROM=<backup directory> [FORCE=1]');
  process.exit(2);
}
try {
  const manifest = await restoreBackup(loadConfig(), from, { force: process.argv.includes('--force') });
  console.log(`Restored the ${manifest.engine} backup of ${manifest.createdAt}.`);
} catch (error) {
  console.error(`Restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const { database, store, audit, reader } = await openAudit();
try {
  const report = await audit.verify(reader);
  await store.flush();
  console.log(report.ok ? `Verified: ${report.checked} events, chain intact${report.checkpoint ? `, checkpoint at ${report.checkpoint.position} holds` : ''}.` : `VERIFY FAILED at position ${report.firstBadPosition}: ${report.reason}`);
  if (!report.ok) process.exitCode = 1;
} finally {
  await database.close();
}
