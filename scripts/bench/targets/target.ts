import type { Endpoint } from '../loadgen/messages';
import type { ClientSpec } from '../loadgen/protocols';

export type TargetName = 'chatterlink' | 'uws' | 'ws' | 'socketio';

/** How the simulated clients sit in rooms: everyone in `fanout`, and latency rooms of `roomSize`. */
export interface Layout {
  readonly clients: number;
  readonly roomSize: number;
  /** ChatterLink: consecutive clients sharing one user, like tabs (must divide `roomSize`). */
  readonly socketsPerUser: number;
}

/** The latency room of client `i`. */
export const latencyRoomOf = (i: number, layout: Layout) => `r${Math.floor(i / layout.roomSize)}`;
export const FANOUT_ROOM = 'fanout';

/** One server under test, running in its own process pinned to the server core. */
export interface Target {
  readonly name: TargetName;
  readonly endpoint: Endpoint;
  /** The processes whose CPU is the server's (ChatterLink adds its own Postgres backends). */
  serverPids(): Promise<number[]>;
  /** The server process (for RSS). */
  readonly pid: number;
  /** Client specs for `layout` (ChatterLink registers the users and makes the rooms here). */
  clients(layout: Layout): Promise<ClientSpec[]>;
  /** `n` idle, subscribed sockets (for memory per connection). */
  idleClients(n: number): Promise<ClientSpec[]>;
  /** The wire id of a room named by the layout. */
  roomId(name: string): string;
  stop(): Promise<void>;
}
