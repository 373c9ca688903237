// Reads vitest's JSON report, prints a plain summary line, and fails when the
// real-Postgres suites did not run (skipped, or none found).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = report.testResults.flatMap((file) => file.assertionResults);
const count = (status) => results.filter((r) => r.status === status).length;
const postgres = results.filter((r) => r.fullName.includes('[postgres]'));
const postgresRan = postgres.filter((r) => r.status === 'passed').length;
const postgresSkipped = postgres.filter((r) => r.status === 'skipped' || r.status === 'pending' || r.status === 'todo').length;

const redis = results.filter((r) => r.fullName.includes('[redis]'));
const redisRan = redis.filter((r) => r.status === 'passed').length;
console.log(`postgres tests: ${postgresRan} ran, ${postgresSkipped} skipped; redis tests: ${redisRan} ran`);
console.log(`vitest: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped') + count('pending')} skipped`);
if (postgresRan === 0 || postgresSkipped > 0) {
  console.error('The real-Postgres tests were skipped: is TEST_DATABASE_URL set and the server up?');
  process.exit(1);
}
if (process.env.TEST_REDIS_URL && (redisRan === 0 || redis.some((r) => r.status !== 'passed'))) {
  console.error('The Redis bus tests did not all run and pass.');
  process.exit(1);
}
if (count('failed') > 0 || report.success === false) process.exit(1);
