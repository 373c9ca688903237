import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths of every regular file under `root` whose bytes contain `needle` (UTF-8). */
export async function filesContaining(root: string, needle: string): Promise<{ hits: string[]; scanned: number }> {
  const pattern = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  let scanned = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await stat(path)).size > 0) {
        scanned += 1;
        if ((await readFile(path)).includes(pattern)) hits.push(path);
      }
    }
  };
  await walk(root);
  return { hits, scanned };
}
