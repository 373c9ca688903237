import pg from 'pg';

/** Every database the benchmark creates starts with this and carries the creating process id. */
const PREFIX = 'chatterlink_bench_';

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database next to `adminUrl`'s and answers its URL. */
export async function createDatabase(adminUrl: string, label: string): Promise<{ name: string; url: string }> {
  const name = `${PREFIX}${process.pid}_${label}_${Date.now()}`;
  await withClient(adminUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
}

/** Drops databases left by benchmark runs whose process is gone (killed runs cannot clean up). */
export async function dropStaleDatabases(adminUrl: string): Promise<string[]> {
  const names = await withClient(adminUrl, async (c) => (await c.query<{ datname: string }>(`select datname from pg_database where datname like '${PREFIX}%'`)).rows.map((r) => r.datname));
  const stale = names.filter((name) => !isAlive(Number(name.slice(PREFIX.length).split('_')[0])));
  for (const name of stale) await dropDatabase(adminUrl, name);
  return stale;
}

/** The server's version string and its durability settings. */
export async function serverInfo(adminUrl: string): Promise<{ version: string; synchronousCommit: string; fsync: string }> {
  return withClient(adminUrl, async (c) => ({
    version: (await c.query<{ v: string }>('select version() as v')).rows[0]!.v,
    synchronousCommit: (await c.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]!.synchronous_commit,
    fsync: (await c.query<{ fsync: string }>('show fsync')).rows[0]!.fsync,
  }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
