import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnPinned, stopChild, waitForLine } from '../lib/proc';
import type { ClientSpec } from '../loadgen/protocols';
import { SERVER_ENV, SERVER_NODE_FLAGS } from './server-env';
import { FANOUT_ROOM, latencyRoomOf, type Layout, type Target, type TargetName } from './target';

const SCRIPTS: Record<Exclude<TargetName, 'chatterlink'>, string> = {
  uws: 'uws.mjs',
  ws: 'ws.mjs',
  socketio: 'socketio.mjs',
};

/** Starts a minimal peer server (no auth, no storage) pinned to `core`. */
export async function startPeer(name: Exclude<TargetName, 'chatterlink'>, core: number): Promise<Target> {
  const script = fileURLToPath(new URL(`../peers/${SCRIPTS[name]}`, import.meta.url));
  const child: ChildProcess = spawnPinned(core, process.execPath, [...SERVER_NODE_FLAGS, script], { env: { ...process.env, ...SERVER_ENV } });
  const port = Number((await waitForLine(child, /LISTENING (\d+)/))[1]);
  return {
    name,
    pid: child.pid!,
    endpoint: { host: '127.0.0.1', port, protocol: name === 'socketio' ? 'socketio' : 'minimal' },
    serverPids: async () => [child.pid!],
    clients: async (layout: Layout): Promise<ClientSpec[]> =>
      Array.from({ length: layout.clients }, (_, i) => ({ rooms: [FANOUT_ROOM, latencyRoomOf(i, layout)] })),
    idleClients: async (n: number): Promise<ClientSpec[]> => Array.from({ length: n }, () => ({ rooms: [FANOUT_ROOM] })),
    roomId: (room) => room,
    stop: () => stopChild(child),
  };
}
