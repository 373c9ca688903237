/**
 * `make backup [TO=<dir>]`: database + uploads + keys in one new directory
 * (default instance/backups/<time>). SENSITIVE: the keys in it decrypt
 * everything in it; keep it like the server's own instance directory.
 */
import { join } from 'node:path';
import { createBackup } from '../backend/src/audit/backup';
import { loadConfig } from '../backend/src/config/config';
import { loadSecrets } from '../backend/src/config/secrets';

const config = loadConfig();
const out = process.argv[2] || join(config.instanceDir, 'backups', new Date().toISOString().replace(/[:.]/g, '-'));
try {
  const manifest = await createBackup(config, loadSecrets(config), out);
  console.log(`Backup written to ${out} (${manifest.engine}: ${manifest.contents.join(', ')}).`);
  console.log('It contains the keys: store it encrypted and access-controlled, like the server itself.');
} catch (error) {
  console.error(`Backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
