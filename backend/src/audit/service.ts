import type { AuditEventDto, AuditFilter, VerifyReportDto } from '@chatterlink/schema/protocol';
import type { ServiceContext } from '../app/context';
import type { Checkpoint, Checkpoints } from './checkpoints';
import { decideAuditRead } from './decide';
import { verifyChain, type VerifyProgress } from './verify';
import { auditEventOf, readOptionsOf } from './view';

/** Who reads the log: an admin's user id, or `null` with a note for the command line. */
export interface Reader {
  readonly userId: string | null;
  /** How the read was made when not through the API, e.g. `cli:alice`. */
  readonly via?: string;
}

const EXPORT_PAGE = 500;

/**
 * Admin reads of the event log. Every read is itself appended to the log
 * (`audit.read` in the `audit` stream) before it happens, so the audit
 * trail records who looked at what, including failed or abandoned exports.
 */
export class AuditService {
  constructor(
    private readonly ctx: ServiceContext,
    readonly checkpoints: Checkpoints,
  ) {}

  /** One page of the decrypted log, oldest first; `next` continues after it, `null` at the end. */
  async page(reader: Reader, filter: AuditFilter, limit: number): Promise<{ events: AuditEventDto[]; next: number | null }> {
    await this.#record(reader, 'browse', { ...filter, limit });
    const rows = await this.ctx.store.readRows(readOptionsOf(filter, limit + 1));
    const page = rows.slice(0, limit);
    const events = await Promise.all(page.map((row) => auditEventOf(this.ctx.store, row)));
    return { events, next: rows.length > limit ? page.at(-1)!.position : null };
  }

  /**
   * Every event matching `filter` as NDJSON lines, read a page at a time as
   * the consumer pulls, so an export of any size never sits in memory. The
   * read is recorded before the first line is produced.
   */
  async exportLines(reader: Reader, filter: AuditFilter): Promise<AsyncGenerator<string>> {
    await this.#record(reader, 'export', filter);
    return this.#lines(filter);
  }

  async *#lines(filter: AuditFilter): AsyncGenerator<string> {
    let after = filter.after;
    for (;;) {
      const rows = await this.ctx.store.readRows(readOptionsOf({ ...filter, after }, EXPORT_PAGE));
      for (const row of rows) yield `${JSON.stringify(await auditEventOf(this.ctx.store, row))}\n`;
      if (rows.length < EXPORT_PAGE) return;
      after = rows.at(-1)!.position;
    }
  }

  /** Checks the hash chain end to end and the latest signed checkpoint. */
  async verify(reader: Reader, onProgress?: VerifyProgress): Promise<VerifyReportDto> {
    await this.#record(reader, 'verify', {});
    return verifyChain(this.ctx.store, this.checkpoints, onProgress);
  }

  /** Signs and stores the chain head now (besides the periodic checkpoints). */
  checkpoint(): Promise<Checkpoint | undefined> {
    return this.checkpoints.write(this.ctx.clock.now());
  }

  async #record(reader: Reader, kind: 'browse' | 'export' | 'verify', filter: Partial<AuditFilter> & { limit?: number }): Promise<void> {
    const events = decideAuditRead(kind, { ...filter, ...(reader.via ? { via: reader.via } : {}) });
    await this.ctx.store.append({ actor: reader.userId, occurredAt: this.ctx.clock.now(), events });
  }
}
