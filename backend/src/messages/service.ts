import type { MessageDto } from '@chatterlink/schema/protocol';
import type { ServiceContext } from '../app/context';
import { ConflictError, NotFoundError } from '../errors/errors';
import type { NewChatEvent } from '../events';
import type { ProjectedRows } from '../eventstore/projected-rows';
import type { AppendRequest, AppendResult } from '../eventstore/store';
import type { Principal } from '../identity/service';
import { roomAccessIn } from '../rooms/access';
import { RoomAccessLoader } from '../rooms/access-loader';
import { membershipId } from '../rooms/projections/memberships';
import { uploadsOf } from '../uploads/timeline';
import { decideDelete, decideEdit, decideRead, decideReact, decideSend, decideTyping, requireMember, TYPING_INTERVAL_MS, type MessageFacts } from './decide';
import { reactionId } from './projections/reactions';

/** What a command's acknowledgement carries. */
export interface CommandAck {
  /** Position of the (last) event the command recorded; `null` if it changed nothing. */
  readonly position: number | null;
  readonly duplicate: boolean;
}

/** Sending, editing, deleting, reacting, reading, typing, and the history of a room. */
export class MessagesService {
  readonly #lastTyping = new Map<string, number>();
  readonly #access: RoomAccessLoader;

  constructor(private readonly ctx: ServiceContext) {
    this.#access = new RoomAccessLoader(ctx.db);
  }

  /**
   * Records that the caller is typing, at most once per room every 3 s on all
   * nodes together (the memberships projection keeps the last time); calls
   * inside the window are dropped and answer `false`. A per-node memory of
   * recent calls spares the database the keystroke-rate repeats.
   */
  async typing(principal: Principal, roomId: string): Promise<boolean> {
    const key = `${principal.user.id}:${roomId}`;
    const now = this.ctx.clock.now();
    if (now.getTime() - (this.#lastTyping.get(key) ?? -Infinity) < TYPING_INTERVAL_MS) return false;
    this.#lastTyping.set(key, now.getTime());
    if (this.#lastTyping.size > 50_000) {
      for (const [k, at] of this.#lastTyping) if (now.getTime() - at >= TYPING_INTERVAL_MS) this.#lastTyping.delete(k);
    }
    const [access, membership] = await Promise.all([
      this.#access.load({ roomId, userId: principal.user.id }),
      this.ctx.db.selectFrom('memberships').select('last_typing_at').where('id', '=', membershipId(roomId, principal.user.id)).executeTakeFirst(),
    ]);
    const events = decideTyping({ roomId, now }, { access, lastTypingAt: membership?.last_typing_at ?? null });
    if (events.length === 0) return false;
    await this.ctx.store.append({ actor: principal.user.id, occurredAt: now, events });
    return true;
  }

  /**
   * Posts a message whose id is the client's command id: exactly once, however
   * often it is retried. Whether the sender may post is decided by the append,
   * on the room and membership rows it reads under its lock.
   */
  send(principal: Principal, input: { id: string; roomId: string; body: string }): Promise<CommandAck> {
    const guard = (rows: ProjectedRows) => requireMember(roomAccessIn(rows, input.roomId, principal.user.id));
    return this.#execute(principal, input.id, () => Promise.resolve(decideSend({ messageId: input.id, roomId: input.roomId, body: input.body })), guard);
  }

  edit(principal: Principal, input: { commandId?: string | undefined; messageId: string; body: string }): Promise<CommandAck> {
    return this.#execute(principal, input.commandId, async () =>
      decideEdit({ messageId: input.messageId, body: input.body, actor: principal.user.id }, await this.#messageState(principal, input.messageId)),
    );
  }

  delete(principal: Principal, input: { commandId?: string | undefined; messageId: string }): Promise<CommandAck> {
    return this.#execute(principal, input.commandId, async () =>
      decideDelete(
        { messageId: input.messageId, actor: principal.user.id, actorIsAdmin: principal.user.isAdmin },
        await this.#messageState(principal, input.messageId),
      ),
    );
  }

  react(principal: Principal, input: { commandId?: string | undefined; messageId: string; emoji: string }): Promise<CommandAck> {
    return this.#execute(principal, input.commandId, async () => {
      const state = await this.#messageState(principal, input.messageId);
      const existing = await this.ctx.db
        .selectFrom('reactions')
        .select('id')
        .where('id', '=', reactionId(input.messageId, principal.user.id, input.emoji))
        .executeTakeFirst();
      return decideReact({ messageId: input.messageId, emoji: input.emoji }, { ...state, alreadyReacted: existing !== undefined });
    });
  }

  /** Moves the caller's read marker in a room forward. */
  read(principal: Principal, input: { roomId: string; position: number }): Promise<CommandAck> {
    return this.#execute(principal, undefined, async () => {
      const [access, membership, room] = await Promise.all([
        this.#access.load({ roomId: input.roomId, userId: principal.user.id }),
        this.ctx.db.selectFrom('memberships').select('last_read_position').where('id', '=', membershipId(input.roomId, principal.user.id)).executeTakeFirst(),
        this.ctx.db.selectFrom('rooms').select('last_position').where('id', '=', input.roomId).executeTakeFirst(),
      ]);
      return decideRead(input, { access, lastRead: membership?.last_read_position ?? 0, roomHead: room?.last_position ?? 0 });
    });
  }

  /** A page of a room's history, newest last, with bodies decrypted from the log. */
  async history(
    principal: Principal,
    roomId: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<{ messages: MessageDto[]; hasMore: boolean }> {
    const access = await this.#access.load({ roomId, userId: principal.user.id });
    if (!access.room) throw new NotFoundError('No such room.');
    let query = this.ctx.db
      .selectFrom('messages as m')
      .innerJoin('users as u', 'u.id', 'm.author_id')
      .select(['m.id', 'm.position', 'm.room_id', 'm.author_id', 'u.username', 'm.body_position', 'm.sent_at', 'm.edited_at', 'm.deleted'])
      .where('m.room_id', '=', roomId)
      .orderBy('m.position', 'desc')
      .limit(page.limit + 1);
    if (page.before !== undefined) query = query.where('m.position', '<', page.before);
    const rows = await query.execute();
    const hasMore = rows.length > page.limit;
    const pageRows = rows.slice(0, page.limit).reverse();

    const ids = pageRows.map((r) => r.id);
    const [bodies, reactions, uploads] = await Promise.all([
      this.ctx.store.readAt(pageRows.flatMap((r) => (r.body_position === null ? [] : [r.body_position]))),
      ids.length === 0
        ? Promise.resolve([])
        : this.ctx.db.selectFrom('reactions').select(['message_id', 'emoji', 'user_id']).where('message_id', 'in', ids).orderBy('position').execute(),
      uploadsOf(this.ctx.db, this.ctx.store, ids),
    ]);
    const reactionsByMessage = new Map<string, Map<string, string[]>>();
    for (const r of reactions) {
      const byEmoji = reactionsByMessage.get(r.message_id) ?? new Map<string, string[]>();
      byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.user_id]);
      reactionsByMessage.set(r.message_id, byEmoji);
    }
    const messages = pageRows.map((r): MessageDto => {
      const bodyEvent = r.body_position === null ? undefined : bodies.get(r.body_position);
      const body =
        bodyEvent?.type === 'message.sent' || bodyEvent?.type === 'message.edited' ? bodyEvent.data.body : bodyEvent?.type === 'file.uploaded' ? '' : null;
      const dto: MessageDto = {
        id: r.id,
        position: r.position,
        room: r.room_id,
        author: { id: r.author_id, username: r.username },
        body: r.deleted || bodyEvent?.erased ? null : body,
        at: r.sent_at.toISOString(),
      };
      if (r.edited_at) dto.editedAt = r.edited_at.toISOString();
      if (r.deleted) dto.deleted = true;
      // Its author was erased: the text is gone for good, the message keeps its place.
      if (bodyEvent?.erased) dto.erased = true;
      const byEmoji = reactionsByMessage.get(r.id);
      if (byEmoji) dto.reactions = [...byEmoji].map(([emoji, users]) => ({ emoji, users }));
      const upload = uploads.get(r.id);
      if (upload && !r.deleted) dto.upload = upload;
      return dto;
    });
    return { messages, hasMore };
  }

  async #messageState(principal: Principal, messageId: string) {
    const row = await this.ctx.db.selectFrom('messages').select(['room_id', 'author_id', 'deleted']).where('id', '=', messageId).executeTakeFirst();
    const message: MessageFacts | undefined = row && { roomId: row.room_id, authorId: row.author_id, deleted: row.deleted };
    const access = message ? await this.#access.load({ roomId: message.roomId, userId: principal.user.id }) : { room: undefined, isMember: false };
    return { message, access };
  }

  /**
   * Runs a command exactly once per command id: a repeat returns the first
   * result (even if the actor has since lost the right to run it) and writes
   * nothing. The append itself answers a repeat whose decision still holds
   * (no round trip before it); the recorded result is looked up only when the
   * decision refuses or changes nothing, which a repeat may legitimately meet.
   * A `guard` is the part of the decision the append makes under its lock
   * (after its own repeat check).
   */
  async #execute(
    principal: Principal,
    commandId: string | undefined,
    decide: () => Promise<NewChatEvent[]>,
    guard?: AppendRequest['guard'],
  ): Promise<CommandAck> {
    let events: NewChatEvent[];
    try {
      events = await decide();
    } catch (error) {
      const earlier = commandId ? await this.#earlierResult(principal, commandId) : undefined;
      if (earlier) return earlier;
      throw error;
    }
    if (events.length === 0) return (commandId ? await this.#earlierResult(principal, commandId) : undefined) ?? { position: null, duplicate: false };
    return ackOf(
      await this.ctx.store.append({
        actor: principal.user.id,
        occurredAt: this.ctx.clock.now(),
        events,
        ...(commandId ? { commandId } : {}),
        ...(guard ? { guard } : {}),
      }),
    );
  }

  /** The first result of a command id, if it was recorded; refuses one recorded for another actor. */
  async #earlierResult(principal: Principal, commandId: string): Promise<CommandAck | undefined> {
    const earlier = await this.ctx.store.commandResult(commandId);
    if (!earlier) return undefined;
    if (earlier.actor !== principal.user.id) throw new ConflictError('command_id_reused', 'This command id was already used.');
    return ackOf({ positions: earlier.positions, duplicate: true });
  }
}

function ackOf(result: AppendResult): CommandAck {
  return { position: result.positions.at(-1) ?? null, duplicate: result.duplicate };
}
