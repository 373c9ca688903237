import { lstat, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';

/** The prefix of every node's private socket directory under the temporary directory. */
export const SOCKET_DIR_PREFIX = 'chatterlink-front-';
/** The socket file inside such a directory. */
export const SOCKET_FILE = 'http.sock';

/**
 * A socket file younger than this is left alone even when nothing answers
 * on it: a node binds its socket and then listens, and in between a connect
 * is refused too.
 */
const SOCKET_GRACE_MS = 60_000;
/** A directory with no socket in it is only taken once it is this old (its node died before binding). */
const EMPTY_DIR_GRACE_MS = 60 * 60_000;
/** How long a connect may take before the socket counts as in use (a live node under load answers late). */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Removes the private socket directories that nodes killed without a chance
 * to clean up left in `root`, and returns their paths. A directory goes only
 * when it is ours, its socket is old enough and refuses connections, so a
 * node that is starting or running never loses its socket, whoever's sweep
 * runs; everything else (another user's directory, an unreadable one, a
 * probe that fails in any other way) is kept. Never throws.
 */
export async function removeStaleSocketDirs(root: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((name) => name.startsWith(SOCKET_DIR_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(root, name);
    try {
      if (!(await isStale(dir, now))) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Gone meanwhile, or not ours to read: either way nothing to do.
    }
  }
  return removed;
}

async function isStale(dir: string, now: number): Promise<boolean> {
  const stats = await lstat(dir);
  if (!stats.isDirectory() || stats.uid !== process.getuid?.()) return false;
  const socket = await lstat(join(dir, SOCKET_FILE)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!socket) return now - stats.mtimeMs > EMPTY_DIR_GRACE_MS;
  if (!socket.isSocket() || now - socket.mtimeMs < SOCKET_GRACE_MS) return false;
  return (await probe(join(dir, SOCKET_FILE))) === 'refused';
}

/** Whether a process still accepts connections on the unix socket at `path`. */
function probe(path: string): Promise<'accepted' | 'refused' | 'unknown'> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    const done = (answer: 'accepted' | 'refused' | 'unknown') => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done('unknown'));
    socket.once('connect', () => done('accepted'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : 'unknown'));
  });
}
