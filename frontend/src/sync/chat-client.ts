import { sessionResponse } from '@chatterlink/schema/protocol/server-frames';
import { liveQuery, type Subscription } from 'dexie';
import { shallowRef, type ShallowRef } from 'vue';
import { Connection, type ConnectionState } from '../api/connection';
import { api, ApiError, setCsrfToken } from '../api/http';
import { Replica } from '../db/replica';
import { Outbox } from '../outbox/outbox';
import { applyEvents, inBatch, markRead } from './apply-event';
import { loadOlder, refreshMembers, refreshRooms } from './fetchers';
import { electLeader } from './leader';
import { TYPING_SENDS_EVERY_MS, TypingState } from './typing';

/**
 * Everything a signed-in user's tab runs: the replica, the connection that
 * fills it, and the outbox that empties into it.
 */
export class ChatClient {
  readonly db: Replica;
  readonly outbox: Outbox;
  readonly connection: Connection;
  readonly typing = new TypingState();
  readonly state: ShallowRef<ConnectionState> = shallowRef('offline');
  readonly leader = shallowRef(false);
  #lastTypingSent = new Map<string, number>();
  /** When the last `presence` frame about each user arrived (ms). */
  #presenceAt = new Map<string, number>();
  #presenceNewerThan = (userId: string, since: number) => (this.#presenceAt.get(userId) ?? 0) >= since;
  #resign: (() => void) | undefined;
  #pending: Subscription | undefined;

  constructor(readonly me: { id: string; username: string; isAdmin: boolean }) {
    this.db = new Replica(me.id);
    this.connection = new Connection({
      since: () => this.#since(),
      onEvents: async (frames) => {
        for (const frame of frames) if (frame.event === 'message.sent' && frame.actor) this.typing.stopped(frame.room, frame.actor);
        const next = await applyEvents(this.db, frames, me.id);
        if (next.refreshRooms) await this.#quietly(refreshRooms(this.db));
        for (const roomId of next.refreshMembers) await this.#quietly(refreshMembers(this.db, roomId, this.#presenceNewerThan));
      },
      onReady: async () => {
        await this.#quietly(this.#afterCatchUp());
      },
      onTyping: (frame) => {
        if (frame.actor && frame.actor !== me.id) this.typing.seen(frame.room, frame.actor, Date.now());
      },
      onPresence: (userId, online) => {
        this.#presenceAt.set(userId, Date.now());
        void this.db.users.update(userId, { online });
      },
      onReply: (reply) => this.outbox.handleReply(reply),
      onState: (state) => {
        this.state.value = state;
        this.outbox.setLive(state === 'live');
      },
      isSignedOut: async () => {
        try {
          await api('GET', '/api/me', sessionResponse);
          return false;
        } catch (error) {
          return error instanceof ApiError && error.status === 401;
        }
      },
    });
    this.outbox = new Outbox(this.db, me.id, this.connection);
  }

  start(): void {
    this.connection.start();
    this.#resign = electLeader(`chatterlink-outbox-${this.me.id}`, (leader) => {
      this.leader.value = leader;
      this.outbox.setLeader(leader);
    });
    // Other tabs write to the same outbox: the leader delivers their commands too.
    this.#pending = liveQuery(() => this.db.outbox.where('state').equals('pending').count()).subscribe(() => this.outbox.kick());
  }

  /** Stops syncing; `forget` also deletes this user's replica from the device (signing out). */
  async stop(forget = false): Promise<void> {
    this.#pending?.unsubscribe();
    this.#resign?.();
    this.connection.stop();
    if (forget) await this.db.delete();
    else this.db.close();
  }

  /** Loads the page of history before what the replica holds. */
  loadOlder(roomId: string): Promise<void> {
    return loadOlder(this.db, roomId);
  }

  refreshMembers(roomId: string): Promise<void> {
    return this.#quietly(refreshMembers(this.db, roomId, this.#presenceNewerThan));
  }

  refreshRooms(): Promise<void> {
    return this.#quietly(refreshRooms(this.db).then(() => undefined));
  }

  /**
   * Moves the read position of `roomId` up to `position` (default: the newest
   * message the replica holds), here at once and on the server when connected.
   */
  async markRoomRead(roomId: string, position?: number): Promise<void> {
    const upTo = position ?? (await this.db.messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, Infinity]).last())?.position;
    const room = await this.db.rooms.get(roomId);
    if (upTo === undefined || !room || upTo <= room.readPosition) return;
    await inBatch(this.db, (batch) => markRead(batch, roomId, upTo, this.me.id));
    this.connection.send({ type: 'read', room: roomId, position: upTo });
  }

  /** Tells the room this user is typing, at most as often as the server records it. */
  typingIn(roomId: string): void {
    const now = Date.now();
    if (now - (this.#lastTypingSent.get(roomId) ?? 0) < TYPING_SENDS_EVERY_MS) return;
    if (this.connection.send({ type: 'typing', room: roomId })) this.#lastTypingSent.set(roomId, now);
  }

  /** A fresh replica starts from the server's present; older history comes page by page. */
  async #since(): Promise<number> {
    if (await this.db.meta.get('lastPosition')) return this.db.lastPosition();
    const rooms = await refreshRooms(this.db);
    const head = Math.max(0, ...rooms.map((r) => r.lastPosition));
    await this.db.meta.put({ key: 'lastPosition', value: head });
    return head;
  }

  async #afterCatchUp(): Promise<void> {
    // Started offline from the cached user: the session's CSRF token is needed for REST commands.
    setCsrfToken((await api('GET', '/api/me', sessionResponse)).csrfToken);
    await refreshRooms(this.db);
    const rooms = await this.db.rooms.toArray();
    await Promise.all(rooms.map((r) => refreshMembers(this.db, r.id, this.#presenceNewerThan)));
  }

  async #quietly(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      // Offline or a room that vanished meanwhile: the next sync repairs it.
      if (!(error instanceof ApiError)) console.error('ChatterLink: sync failed', error);
    }
  }
}
