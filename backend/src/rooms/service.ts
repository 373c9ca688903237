import type { RoomDto } from '@chatterlink/schema/protocol';
import { sql } from 'kysely';
import type { ServiceContext } from '../app/context';
import { ConflictError, NotFoundError } from '../errors/errors';
import type { Principal } from '../identity/service';
import { decideAddMember, decideCreateRoom, decideJoin, decideLeave, decideOpenDm, decideRemoveMember, type RoomFacts } from './decide';
import { loadRoomAccess } from './access';
import { roomStream } from './events';
import { membershipId } from './projections/memberships';
import { defaultRoomId, dmRoomId } from './room-ids';

/** A room as the public-rooms directory shows it. */
export interface PublicRoomDto extends RoomDto {
  joined: boolean;
  members: number;
}

/** Rooms, memberships and DMs: commands to events, queries over projections. */
export class RoomsService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The default public room's id (DEFAULT_ROOM). */
  get defaultRoomId(): string {
    return defaultRoomId(this.ctx.config.defaultRoom);
  }

  /** Creates the default room unless it exists; safe when several nodes start at once. */
  async ensureDefaultRoom(): Promise<void> {
    const roomId = this.defaultRoomId;
    if (await this.#room(roomId)) return;
    try {
      await this.ctx.store.append({
        actor: null,
        occurredAt: this.ctx.clock.now(),
        events: decideCreateRoom({ roomId, name: this.ctx.config.defaultRoom, kind: 'public', actor: null }),
        expected: { [roomStream(roomId)]: 'no_stream' },
      });
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'version_conflict')) throw error;
    }
  }

  async create(principal: Principal, input: { name: string; kind?: 'public' | 'private' | undefined }): Promise<RoomDto> {
    const roomId = this.ctx.ids.newId();
    await this.#append(principal, decideCreateRoom({ roomId, name: input.name, kind: input.kind ?? 'public', actor: principal.user.id }), {
      [roomStream(roomId)]: 'no_stream',
    });
    return this.get(principal, roomId);
  }

  async join(principal: Principal, roomId: string): Promise<RoomDto> {
    const state = await this.#access(roomId, principal.user.id);
    await this.#append(principal, decideJoin({ roomId, actor: principal.user.id }, state));
    return this.get(principal, roomId);
  }

  async leave(principal: Principal, roomId: string): Promise<void> {
    const state = await this.#access(roomId, principal.user.id);
    await this.#append(principal, decideLeave({ roomId, actor: principal.user.id }, state));
  }

  async addMember(principal: Principal, roomId: string, username: string): Promise<RoomDto> {
    const [access, user] = await Promise.all([this.#access(roomId, principal.user.id), this.#userByName(username)]);
    const userIsMember = user ? await this.#isMember(roomId, user.id) : false;
    const events = decideAddMember(
      { roomId, userId: user?.id ?? '' },
      { room: access.room, actorIsMember: access.isMember, userExists: user !== undefined, userIsMember },
    );
    await this.#append(principal, events);
    return this.get(principal, roomId);
  }

  /** The room's creator or an admin removes `userId` from a public or private room. */
  async removeMember(principal: Principal, roomId: string, userId: string): Promise<void> {
    const [room, actorIsMember, userIsMember] = await Promise.all([
      this.ctx.db.selectFrom('rooms').select(['kind', 'created_by']).where('id', '=', roomId).executeTakeFirst(),
      this.#isMember(roomId, principal.user.id),
      this.#isMember(roomId, userId),
    ]);
    const events = decideRemoveMember(
      { roomId, userId },
      {
        room,
        actorIsMember,
        actorIsCreator: room?.created_by === principal.user.id,
        actorIsAdmin: principal.user.isAdmin,
        userIsMember,
      },
    );
    await this.#append(principal, events);
  }

  /** The DM room with `username`, created on first use; the same pair always gets the same room. */
  async openDm(principal: Principal, username: string): Promise<RoomDto> {
    const other = await this.#userByName(username);
    if (!other) throw new NotFoundError('No such user.', 'user_not_found');
    const roomId = dmRoomId(principal.user.id, other.id);
    const exists = (await this.#room(roomId)) !== undefined;
    const name = [principal.user.username, other.username].sort().join(', ');
    const events = decideOpenDm({ roomId, actor: principal.user.id, other: other.id, name }, { exists });
    try {
      await this.#append(principal, events, { [roomStream(roomId)]: 'no_stream' });
    } catch (error) {
      // The other person opened it at the same moment: theirs is ours.
      if (!(error instanceof ConflictError && error.code === 'version_conflict')) throw error;
    }
    return this.get(principal, roomId);
  }

  /** One room the caller belongs to, with unread count; 404 otherwise. */
  async get(principal: Principal, roomId: string): Promise<RoomDto> {
    const rooms = await this.listMine(principal, roomId);
    if (!rooms[0]) throw new NotFoundError('No such room.');
    return rooms[0];
  }

  /** The caller's rooms with unread counts; a DM is named after the other person. */
  async listMine(principal: Principal, onlyRoomId?: string): Promise<RoomDto[]> {
    const me = principal.user.id;
    let query = this.ctx.db
      .selectFrom('memberships as m')
      .innerJoin('rooms as r', 'r.id', 'm.room_id')
      .select(['r.id', 'r.name', 'r.kind', 'r.last_position', 'r.created_by'])
      .select((eb) =>
        eb
          .selectFrom('messages as msg')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('msg.room_id', '=', 'r.id')
          .whereRef('msg.position', '>', 'm.last_read_position')
          .where('msg.author_id', '<>', me)
          .where('msg.deleted', '=', false)
          .as('unread'),
      )
      .select((eb) =>
        eb
          .selectFrom('memberships as o')
          .innerJoin('users as u', 'u.id', 'o.user_id')
          .select('u.username')
          .whereRef('o.room_id', '=', 'r.id')
          .where('o.user_id', '<>', me)
          .limit(1)
          .as('peer'),
      )
      .where('m.user_id', '=', me)
      .orderBy('r.kind')
      .orderBy('r.name');
    if (onlyRoomId) query = query.where('r.id', '=', onlyRoomId);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.kind === 'dm' ? (r.peer ?? principal.user.username) : r.name,
      kind: r.kind,
      unread: r.unread ?? 0,
      lastPosition: r.last_position,
      createdBy: r.created_by,
    }));
  }

  /** Public rooms anyone may join. */
  async listPublic(principal: Principal): Promise<PublicRoomDto[]> {
    const rows = await this.ctx.db
      .selectFrom('rooms as r')
      .select(['r.id', 'r.name', 'r.kind', 'r.last_position'])
      .select((eb) =>
        eb.selectFrom('memberships as m').select(sql<number>`count(*)::int`.as('n')).whereRef('m.room_id', '=', 'r.id').as('members'),
      )
      .select((eb) =>
        eb
          .selectFrom('memberships as m')
          .select('m.id')
          .whereRef('m.room_id', '=', 'r.id')
          .where('m.user_id', '=', principal.user.id)
          .as('mine'),
      )
      .where('r.kind', '=', 'public')
      .orderBy('r.name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      unread: 0,
      lastPosition: r.last_position,
      joined: r.mine !== null,
      members: r.members ?? 0,
    }));
  }

  /** The members of a room the caller may see (404 otherwise), by name. */
  async members(principal: Principal, roomId: string): Promise<{ id: string; username: string }[]> {
    const access = await this.#access(roomId, principal.user.id);
    if (!access.room) throw new NotFoundError('No such room.');
    return this.ctx.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.username'])
      .where('m.room_id', '=', roomId)
      .orderBy('u.username_lower')
      .execute();
  }

  #access(roomId: string, userId: string) {
    return loadRoomAccess(this.ctx.db, roomId, userId);
  }

  async #room(roomId: string): Promise<RoomFacts | undefined> {
    return this.ctx.db.selectFrom('rooms').select('kind').where('id', '=', roomId).executeTakeFirst();
  }

  async #isMember(roomId: string, userId: string): Promise<boolean> {
    const row = await this.ctx.db.selectFrom('memberships').select('id').where('id', '=', membershipId(roomId, userId)).executeTakeFirst();
    return row !== undefined;
  }

  #userByName(username: string) {
    return this.ctx.db.selectFrom('users').select(['id', 'username']).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
  }

  async #append(principal: Principal, events: ReturnType<typeof decideJoin>, expected?: Record<string, 'no_stream'>): Promise<void> {
    if (events.length === 0) return;
    await this.ctx.store.append({ actor: principal.user.id, occurredAt: this.ctx.clock.now(), events, ...(expected ? { expected } : {}) });
  }
}
