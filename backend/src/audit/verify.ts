import type { VerifyReportDto } from '@chatterlink/schema/protocol';
import type { EventRow } from '../db/types';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../eventstore/hash-chain';
import type { EventStore } from '../eventstore/store';
import type { Checkpoints } from './checkpoints';

const PAGE = 2000;

/** Called after each page with rows checked so far and the head position (an upper bound). */
export type VerifyProgress = (checked: number, total: number) => void;

/**
 * Walks the whole hash chain page by page and names the first position that
 * breaks it: a row altered (its hash no longer matches its fields, or its
 * ciphertext no longer authenticates under its data key), removed (a gap in
 * positions or a `prev_hash` that skips), or inserted (a forged row fails
 * the same checks). Then checks the latest signed checkpoint, so a log cut
 * short at the tail, which is otherwise a valid chain, is detected too.
 * Rows sealed by an erased key are checked by hash only.
 */
export async function verifyChain(store: EventStore, checkpoints: Checkpoints, onProgress: VerifyProgress = () => {}): Promise<VerifyReportDto> {
  const latest = await checkpoints.latest();
  const checkpoint = latest ? { position: latest.checkpoint.position, signedAt: latest.checkpoint.signedAt.toISOString() } : null;
  const total = await store.head();
  let prevHash: Buffer = GENESIS_HASH;
  let expected = 1;
  let checked = 0;
  const report = (firstBadPosition?: number, reason?: string): VerifyReportDto => ({
    ok: firstBadPosition === undefined,
    checked,
    head: expected - 1,
    ...(firstBadPosition === undefined ? {} : { firstBadPosition, reason: reason! }),
    checkpoint,
  });

  if (latest?.forged) return report(latest.checkpoint.position, 'the latest checkpoint carries a signature that does not verify');
  for (;;) {
    const rows = await store.readRows({ after: expected - 1, limit: PAGE, allCommitted: true });
    if (rows.length === 0) break;
    for (const row of rows) {
      const problem = await rowProblem(store, row, expected, prevHash);
      if (problem) return report(problem.position, problem.reason);
      if (latest && row.position === latest.checkpoint.position && !row.hash.equals(latest.checkpoint.hash)) {
        return report(row.position, 'the row differs from the signed checkpoint at this position');
      }
      checked += 1;
      prevHash = row.hash;
      expected += 1;
    }
    onProgress(checked, total);
  }
  if (latest && latest.checkpoint.position >= expected) {
    return report(expected, `the log ends at ${expected - 1} but a signed checkpoint covers position ${latest.checkpoint.position}: rows were cut off`);
  }
  return report();
}

async function rowProblem(
  store: EventStore,
  row: EventRow,
  expected: number,
  prevHash: Buffer,
): Promise<{ position: number; reason: string } | undefined> {
  if (row.position !== expected) return { position: expected, reason: `position ${expected} is missing` };
  if (!row.prev_hash.equals(prevHash)) return { position: row.position, reason: 'prev_hash does not match the previous row' };
  const hash = chainHash(prevHash, chainedFieldsOf(row));
  if (!hash.equals(row.hash)) return { position: row.position, reason: 'the row was altered: its hash does not match its fields' };
  if ((await store.authenticate(row)) === 'bad') {
    return { position: row.position, reason: 'the ciphertext does not authenticate under its data key' };
  }
  return undefined;
}

/** The fields of a stored row that its chain hash covers. */
export function chainedFieldsOf(row: EventRow): ChainedFields {
  return {
    position: row.position,
    stream: row.stream,
    version: row.version,
    type: row.type,
    actor: row.actor,
    occurredAt: new Date(row.occurred_at),
    keyId: row.key_id,
    nonce: row.nonce,
    ciphertext: row.ciphertext,
    metadata: row.metadata,
  };
}
