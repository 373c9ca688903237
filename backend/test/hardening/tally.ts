import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the hardening suites count; `scripts/hardening/summary.mjs` sums and prints them. */
export interface Tally {
  readonly faultsInjected: number;
  readonly operationsChecked: number;
  readonly acknowledgedLost: number;
  readonly duplicates: number;
  readonly attacksTried: number;
  readonly attacksSucceeded: number;
}

/**
 * Adds counts to the suite's tally. Test files run in several workers, so
 * each process appends JSON lines to its own file under HARDENING_TALLY_DIR
 * (set by `make test-faults` / `make test-security`; without it nothing is kept).
 */
export function tally(counts: Partial<Tally>): void {
  const dir = process.env.HARDENING_TALLY_DIR;
  if (!dir) return;
  appendFileSync(join(dir, `tally-${process.pid}.jsonl`), `${JSON.stringify(counts)}\n`);
}

/**
 * Runs one attack: `refused` asserts that the server refused it. An assertion
 * failure means the attack succeeded: it is counted as such and rethrown, so
 * the test fails too.
 */
export async function attack(name: string, refused: () => Promise<void> | void): Promise<void> {
  try {
    await refused();
  } catch (error) {
    tally({ attacksTried: 1, attacksSucceeded: 1 });
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { message: `attack "${name}" succeeded: ${String((error as Error)?.message ?? error)}` });
  }
  tally({ attacksTried: 1 });
}
