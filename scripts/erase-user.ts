/**
 * `make erase-user USER=<username>`: crypto-erases one person (see
 * backend/src/audit/erasure.ts). Irreversible: on a terminal it asks for the
 * username again; otherwise pass --yes. Exits 1 if there is no such user.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { randomIds, systemClock } from '../backend/src/app/create-app';
import { ErasureService } from '../backend/src/audit/erasure';
import { openConfiguredStore } from './lib/open-store';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { yes: { type: 'boolean', default: false } } });
const username = positionals[0];
if (!username) {
  console.error('Usage: make erase-user USER=<username>   (or: tsx scripts/erase-user.ts <username> --yes)');
  process.exit(2);
}
if (!values.yes) {
  if (!process.stdin.isTTY) {
    console.error('Erasure cannot be undone. Re-run with YES=1 (make) or --yes to confirm.');
    process.exit(2);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`Erase ${username} for good? Their messages, name and uploads become unreadable. Type the username to confirm: `);
  prompt.close();
  if (answer.trim() !== username) {
    console.error('Not confirmed; nothing changed.');
    process.exit(2);
  }
}

const { config, database, store, keyring } = await openConfiguredStore();
try {
  const erasure = new ErasureService({ db: database.db, store, config, clock: systemClock, ids: randomIds }, keyring);
  const result = await erasure.erase({ username }, null);
  await store.flush();
  console.log(
    result.alreadyErased
      ? `${username} had already been erased; their data key is destroyed.`
      : `Erased ${username} (${result.userId}): ${result.erasedEvents} events made unreadable, ${result.sessionsEnded} sessions ended, data key destroyed. Running servers drop their cached copy within seconds.`,
  );
} catch (error) {
  console.error(`Cannot erase ${username}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
