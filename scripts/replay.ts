/**
 * `make replay`: rebuilds every projection from the event log, then proves the
 * rebuilt tables equal the ones they replaced (row count and checksum per
 * table). Exits 1 if any table differed (the rebuilt, log-derived state is
 * kept), 2 if the replay itself failed.
 */
import { allProjections } from '../backend/src/projections/all';
import { replayProjections } from '../backend/src/projections/replay';
import { openConfiguredStore } from './lib/open-store';
import { progressBar } from './lib/progress';

const opened = await openConfiguredStore().catch((error: unknown) => {
  console.error(`Cannot replay: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
const { database, store, engine } = opened;
try {
  const bar = progressBar('replay', 'events');
  let last = { done: 0, total: 0 };
  const report = await replayProjections(database.db, store, allProjections, (done, total) => {
    last = { done, total };
    bar.update(done, total);
  });
  const { seconds } = bar.finish(last.done, last.total);
  console.log(`Replayed ${report.events.toLocaleString('en')} events on ${engine} in ${seconds.toFixed(2)}s.`);
  console.log('table        rows before  rows after  checksum');
  for (const t of report.tables) {
    console.log(`${t.table.padEnd(12)} ${String(t.before.rows).padStart(11)}  ${String(t.after.rows).padStart(10)}  ${t.equal ? 'identical' : `DIFFERENT (${t.before.digest} -> ${t.after.digest})`}`);
  }
  if (!report.identical) {
    console.error('Some projections differed from the log; they have been rebuilt from it.');
    process.exitCode = 1;
  } else {
    console.log('All projections rebuilt and verified identical.');
  }
} catch (error) {
  console.error('Replay failed:', error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await database.close();
}
