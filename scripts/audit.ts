/**
 * `make audit [ARGS="…"]`: the admin event-log tools from a terminal. Every
 * run is recorded in the log as an `audit.read` by `cli:<os user>`.
 *
 *   verify                          check the hash chain and the latest signed checkpoint (default)
 *   browse [filters] [--limit=N]    print events, decrypted, oldest first
 *   export [filters] [--out=FILE]   NDJSON to FILE (or stdout), streamed
 *   checkpoint                      sign the chain head now
 *
 * Filters (as the HTTP routes): --after=N --upTo=N --stream=S --type=T[,T…] --actor=ID --from=ISO --to=ISO
 * Exit status: 0 fine, 1 verification failed, 2 bad usage or error.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { auditFilterQuery, auditPageQuery, type AuditEventDto } from '@chatterlink/schema/protocol';
import { openAudit } from './lib/open-audit';
import { progressBar } from './lib/progress';

const filterOptions = {
  after: { type: 'string' },
  upTo: { type: 'string' },
  stream: { type: 'string' },
  type: { type: 'string' },
  actor: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const { positionals, values } = parseArgs({ allowPositionals: true, options: filterOptions });
const command = positionals[0] ?? 'verify';
if (values.help || !['verify', 'browse', 'export', 'checkpoint'].includes(command)) {
  console.error('Usage: make audit ARGS="verify | browse [filters] [--limit=N] | export [filters] [--out=FILE] | checkpoint"');
  console.error('Filters: --after=N --upTo=N --stream=S --type=T[,T...] --actor=USER_ID --from=ISO --to=ISO');
  process.exit(values.help ? 0 : 2);
}
const { out, help: _help, ...query } = values;
const parsed = (command === 'browse' ? auditPageQuery : auditFilterQuery).safeParse(query);
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  console.error(`--${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}

const { database, store, audit, reader } = await openAudit();
try {
  if (command === 'verify') {
    const bar = progressBar('verify', 'events');
    const report = await audit.verify(reader, (done, total) => bar.update(done, total));
    bar.finish(report.checked, report.head);
    const checkpoint = report.checkpoint ? `latest signed checkpoint at ${report.checkpoint.position} (${report.checkpoint.signedAt})` : 'no signed checkpoint yet';
    if (report.ok) console.log(`OK: ${report.checked} events, hash chain intact, ${checkpoint}.`);
    else {
      console.log(`BROKEN at position ${report.firstBadPosition}: ${report.reason}. (${report.checked} events checked before it; ${checkpoint}.)`);
      process.exitCode = 1;
    }
  } else if (command === 'browse') {
    const { limit, ...filter } = auditPageQuery.parse(query);
    const page = await audit.page(reader, filter, limit);
    for (const event of page.events) console.log(formatRow(event));
    console.log(page.next === null ? `(${page.events.length} events, end of log)` : `(${page.events.length} events; more with --after=${page.next})`);
  } else if (command === 'export') {
    const filter = auditFilterQuery.parse(query);
    const head = await store.head();
    const bar = progressBar('export', 'positions');
    let position = filter.after;
    const lines = await audit.exportLines(reader, filter);
    const tracked = Readable.from(
      (async function* () {
        for await (const line of lines) {
          position = (JSON.parse(line) as AuditEventDto).position;
          bar.update(position, head);
          yield line;
        }
      })(),
    );
    await pipeline(tracked, out ? createWriteStream(out, { mode: 0o600 }) : process.stdout);
    bar.finish(head, head);
    if (out) console.error(`Exported to ${out}.`);
  } else {
    const checkpoint = await audit.checkpoint();
    console.log(checkpoint ? `Signed checkpoint at ${checkpoint.position} (key ${checkpoint.keyId}).` : 'The log is empty: nothing to sign.');
  }
  await store.flush();
} catch (error) {
  console.error(`audit ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await database.close();
}

function formatRow(event: AuditEventDto): string {
  const data = event.erased ? '(erased)' : event.unreadable ? '(UNREADABLE)' : JSON.stringify(event.data);
  const shown = data.length > 240 ? `${data.slice(0, 237)}...` : data;
  return `${String(event.position).padStart(8)}  ${event.at}  ${event.type.padEnd(16)} ${event.stream.padEnd(41)} ${(event.actor ?? '-').padEnd(36)} ${shown}`;
}
