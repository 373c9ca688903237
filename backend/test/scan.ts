import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths of every regular file under `root` whose bytes contain `needle` (UTF-8). */
export async function filesContaining(root: string, needle: string): Promise<{ hits: string[]; scanned: number }> {
  const pattern = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  let scanned = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(ignoreVanished([]))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const bytes = await readFile(path).catch(ignoreVanished(undefined));
        if (!bytes?.length) continue;
        scanned += 1;
        if (bytes.includes(pattern)) hits.push(path);
      }
    }
  };
  await walk(root);
  return { hits, scanned };
}

/**
 * A file or directory removed while we walk (a shared Postgres server drops
 * other tests' databases at any time) holds nothing to find: skip it.
 */
function ignoreVanished<T>(fallback: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  };
}
