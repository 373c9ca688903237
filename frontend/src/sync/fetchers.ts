import { membersResponse, messagesResponse, roomsResponse } from '@chatterlink/schema/protocol/server-frames';
import type * as z from 'zod/mini';
import { api } from '../api/http';
import type { Replica } from '../db/replica';
import { forgetRoom } from './apply-event';

/** Size of one history page. */
export const PAGE_SIZE = 50;

type ServerMessage = z.infer<typeof messagesResponse>['messages'][number];

/**
 * Replaces the replica's room list with the server's (new rooms added, left
 * ones dropped), except rooms forgotten here while the request was under way.
 */
export async function refreshRooms(db: Replica): Promise<z.infer<typeof roomsResponse>['rooms']> {
  const asked = db.roomEpochs.now();
  const { rooms } = await api('GET', '/api/rooms', roomsResponse);
  await db.transaction('rw', [db.rooms, db.messages, db.members, db.history], async () => {
    const known = new Map((await db.rooms.toArray()).map((r) => [r.id, r]));
    for (const room of rooms) {
      const mine = known.get(room.id);
      known.delete(room.id);
      // The answer may predate a leave committed meanwhile: the room comes back only with a newer answer.
      if (db.roomEpochs.forgottenSince(room.id, asked)) continue;
      await db.rooms.put({
        id: room.id,
        name: room.name,
        kind: room.kind,
        unread: room.unread,
        lastPosition: Math.max(room.lastPosition, mine?.lastPosition ?? 0),
        readPosition: mine?.readPosition ?? (room.unread === 0 ? room.lastPosition : 0),
        createdBy: room.createdBy ?? null,
      });
    }
    for (const gone of known.keys()) await forgetRoom(db, gone);
  });
  return rooms;
}

/** Tells whether a `presence` frame about `userId` arrived after the time `since` (ms). */
export type PresenceNewerThan = (userId: string, since: number) => boolean;

/**
 * The room's members, with names and presence. A `presence` frame that
 * arrived while the request was under way is newer than the answer: it wins.
 */
export async function refreshMembers(db: Replica, roomId: string, presenceNewerThan: PresenceNewerThan = () => false): Promise<void> {
  const asked = Date.now();
  const { members } = await api('GET', `/api/rooms/${roomId}/members`, membersResponse);
  await db.transaction('rw', [db.members, db.users], async () => {
    await db.members.where('roomId').equals(roomId).delete();
    await db.members.bulkPut(members.map((m) => ({ roomId, userId: m.id })));
    for (const member of members) {
      const known = await db.users.get(member.id);
      const online = known && presenceNewerThan(member.id, asked) ? known.online : member.online;
      await db.users.put({ ...member, online });
    }
  });
}

function rowOf(m: ServerMessage) {
  const { id, position, room, author, body, at, editedAt, deleted, reactions, ...extra } = m;
  return {
    id,
    roomId: room,
    position,
    authorId: author.id,
    body,
    at,
    reactions: reactions ?? [],
    ...(editedAt ? { editedAt } : {}),
    ...(deleted ? { deleted } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/**
 * Fetches the page of history just before the oldest message the replica
 * holds for `roomId` (the newest page when it holds none).
 */
export async function loadOlder(db: Replica, roomId: string): Promise<void> {
  const oldest = await db.messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, Infinity]).first();
  const before = oldest ? `&before=${oldest.position}` : '';
  const page = await api('GET', `/api/rooms/${roomId}/messages?limit=${PAGE_SIZE}${before}`, messagesResponse);
  await db.transaction('rw', [db.messages, db.users, db.history], async () => {
    const existing = new Set((await db.messages.bulkGet(page.messages.map((m) => m.id))).filter(Boolean).map((m) => m!.id));
    // Rows already present came from live events, which are at least as recent as this page.
    await db.messages.bulkPut(page.messages.filter((m) => !existing.has(m.id)).map(rowOf));
    const authors = new Map(page.messages.map((m) => [m.author.id, m.author.username]));
    for (const [id, username] of authors) {
      const user = await db.users.get(id);
      if (!user) await db.users.put({ id, username, online: false });
    }
    await db.history.put({ roomId, hasMore: page.hasMore });
  });
}
