import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleSocketDirs, SOCKET_DIR_PREFIX, SOCKET_FILE } from './stale-socket-dirs';

const HOURS_LATER = Date.now() + 2 * 60 * 60_000;

let root: string;
const servers: net.Server[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stale-socket-dirs-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(root, { recursive: true, force: true });
});

async function socketDir(name: string): Promise<string> {
  const dir = join(root, `${SOCKET_DIR_PREFIX}${name}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** A socket a live process listens on. */
async function liveSocket(dir: string): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ path: join(dir, SOCKET_FILE) }, resolve));
}

/** A socket whose process was killed: the file stays, nothing listens. */
async function orphanedSocket(dir: string): Promise<void> {
  const script = `require('node:net').createServer().listen(${JSON.stringify(join(dir, SOCKET_FILE))}, () => console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('removeStaleSocketDirs', () => {
  it('removes a killed node’s directory once its socket is old, and keeps a live node’s', async () => {
    const killed = await socketDir('killed');
    const live = await socketDir('live');
    await orphanedSocket(killed);
    await liveSocket(live);

    expect(await removeStaleSocketDirs(root, HOURS_LATER)).toEqual([killed]);
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(join(live, SOCKET_FILE))).toBe(true);
  });

  it('keeps a refusing socket that is young: its node may be between bind and listen', async () => {
    const starting = await socketDir('starting');
    await orphanedSocket(starting);

    expect(await removeStaleSocketDirs(root)).toEqual([]);
    expect(existsSync(join(starting, SOCKET_FILE))).toBe(true);
  });

  it('takes a directory without a socket only when it is hours old', async () => {
    const empty = await socketDir('empty');

    expect(await removeStaleSocketDirs(root)).toEqual([]);
    expect(await removeStaleSocketDirs(root, HOURS_LATER)).toEqual([empty]);
  });

  it('leaves what is not a node’s socket directory alone', async () => {
    const notASocket = await socketDir('plain-file');
    await writeFile(join(notASocket, SOCKET_FILE), 'not a socket');
    const otherName = join(root, 'someone-else');
    await mkdir(otherName);
    await writeFile(join(root, `${SOCKET_DIR_PREFIX}file`), '');

    expect(await removeStaleSocketDirs(root, HOURS_LATER)).toEqual([]);
    expect(existsSync(join(notASocket, SOCKET_FILE))).toBe(true);
    expect(existsSync(otherName)).toBe(true);
  });

  it('answers nothing for a directory that does not exist', async () => {
    expect(await removeStaleSocketDirs(join(root, 'missing'), HOURS_LATER)).toEqual([]);
  });
});
