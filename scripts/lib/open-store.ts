import { ErasureRedactions } from '../../backend/src/audit/redactions';
import { loadConfig } from '../../backend/src/config/config';
import { loadSecrets } from '../../backend/src/config/secrets';
import { Keyring } from '../../backend/src/crypto/keyring';
import { openDatabase } from '../../backend/src/db/database';
import { migrateToLatest } from '../../backend/src/db/migrate';
import { databaseTargetOf } from '../../backend/src/db/target';
import { EventStore } from '../../backend/src/eventstore/store';
import { allProjections } from '../../backend/src/projections/all';
import { liveProjector } from '../../backend/src/projections/live';

/** Opens the configured database and event store, as the server would (same settings, same keys). */
export async function openConfiguredStore() {
  const config = loadConfig();
  const secrets = loadSecrets(config);
  const target = databaseTargetOf(config);
  const database = await openDatabase(target);
  await migrateToLatest(database.db);
  const keyring = new Keyring(database.db, secrets.eventKey, secrets.previousEventKeys);
  // Erased events decode to their recorded redactions, so replays and audits still work after an erasure.
  const store = new EventStore(database.db, keyring, liveProjector(allProjections), new ErasureRedactions(keyring));
  return { config, secrets, database, store, keyring, engine: target.engine };
}
