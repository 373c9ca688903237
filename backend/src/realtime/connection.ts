import type { Principal } from '../identity/service';
import type { TokenBucketState } from './token-bucket';

/** What a socket has been through, as bits of `Connection.flags`. */
export const Flag = {
  /** `hello` arrived (it may come once). */
  helloStarted: 1,
  /** Caught up and subscribed to its rooms. */
  ready: 2,
  closed: 4,
  /** Moved from `room/` to `slow/` topics: gets durable events only. */
  degraded: 8,
} as const;
export type Flag = (typeof Flag)[keyof typeof Flag];

/**
 * Per-connection state, kept in uWS's user data. uWS copies these fields onto
 * the socket's own object, out of line, where every field is a word on every
 * idle socket (and a number that is not a small integer a heap object more),
 * so there are three: the Principal (shared by the sockets of one session),
 * flags, and the rate limit's one integer. The rooms a socket is in are its
 * topics (`ws.getTopics()`), not a copy here; refusals are counted apart,
 * for the few sockets that get any.
 */
export interface Connection extends TokenBucketState {
  readonly principal: Principal;
  /** Bits of `Flag`. */
  flags: number;
}

/** Whether `flag` is set on the connection. */
export function has(connection: Connection, flag: Flag): boolean {
  return (connection.flags & flag) !== 0;
}

/** Sets `flag` (or clears it, with `on` false). */
export function mark(connection: Connection, flag: Flag, on = true): void {
  connection.flags = on ? connection.flags | flag : connection.flags & ~flag;
}
