// Prints a hardening suite's summary: the counts its tests tallied (see
// backend/test/hardening/tally.ts) and vitest's pass/fail totals. Exits 1 when a
// test failed, an invariant count is not zero, or nothing was tallied at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [suite, dir] = process.argv.slice(2);
const rows = [
  ['faultsInjected', 'faults injected'],
  ['operationsChecked', 'operations checked'],
  ['acknowledgedLost', 'acknowledged-and-lost (must be 0)'],
  ['duplicates', 'duplicates (must be 0)'],
  ['attacksTried', 'attacks tried'],
  ['attacksSucceeded', 'attacks that succeeded (must be 0)'],
];
const totals = Object.fromEntries(rows.map(([key]) => [key, 0]));
for (const file of readdirSync(dir).filter((f) => f.startsWith('tally-'))) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
    const counts = JSON.parse(line);
    for (const [key] of rows) totals[key] += counts[key] ?? 0;
  }
}

const reportFile = join(dir, 'report.json');
const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined;
const results = report ? report.testResults.flatMap((file) => file.assertionResults) : [];
const passed = results.filter((r) => r.status === 'passed').length;
const failed = results.filter((r) => r.status === 'failed').length + (report && report.success === false && results.every((r) => r.status !== 'failed') ? 1 : 0);

const width = Math.max(...rows.map(([, label]) => label.length));
console.log(`\n${suite} summary`);
console.log(`${'-'.repeat(width + 12)}`);
for (const [key, label] of rows) console.log(`${label.padEnd(width)}  ${String(totals[key]).padStart(8)}`);
console.log(`${'-'.repeat(width + 12)}`);

const problems = [];
if (!report) problems.push('no vitest report was written');
if (totals.acknowledgedLost > 0) problems.push('acknowledged operations were lost');
if (totals.duplicates > 0) problems.push('duplicates were found');
if (totals.attacksSucceeded > 0) problems.push('attacks succeeded');
if (totals.operationsChecked + totals.attacksTried === 0) problems.push('nothing was checked');
for (const problem of problems) console.error(`${suite}: ${problem}`);
console.log(`${suite}: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
