import Dexie, { type EntityTable } from 'dexie';
import { RoomEpochs } from './room-epochs';

/** A room the user belongs to. */
export interface RoomRow {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'dm';
  unread: number;
  lastPosition: number;
  /** Highest position this user has read in the room. */
  readPosition: number;
  /** Who created the room (null: the system); the creator may remove members. */
  createdBy?: string | null;
}

export interface ReactionRow {
  emoji: string;
  users: string[];
}

/** A delivered message (pending ones live in the outbox until acknowledged). */
export interface MessageRow {
  id: string;
  roomId: string;
  position: number;
  authorId: string;
  body: string | null;
  at: string;
  editedAt?: string;
  deleted?: boolean;
  reactions: ReactionRow[];
  /** Extra fields of the server's message (e.g. an upload); rendered by timeline extensions. */
  extra?: Record<string, unknown>;
}

export interface UserRow {
  id: string;
  username: string;
  online: boolean;
}

export interface MemberRow {
  roomId: string;
  userId: string;
}

export type OutboxKind = 'send' | 'edit' | 'delete' | 'react' | 'upload';

/** A command written while the user acted, kept until the server acknowledges it. */
export interface OutboxRow {
  /** Insertion order: commands are delivered in this order. */
  seq?: number;
  /** The command id (a UUID made when the user acted; never changes). */
  id: string;
  kind: OutboxKind;
  roomId: string;
  messageId?: string;
  body?: string;
  emoji?: string;
  /** An attachment's bytes, kept here until the upload is acknowledged (works offline). */
  file?: Blob;
  fileName?: string;
  state: 'pending' | 'failed';
  error?: string;
  createdAt: string;
}

/** How far back a room's history has been fetched. */
export interface HistoryRow {
  roomId: string;
  hasMore: boolean;
}

export interface DraftRow {
  roomId: string;
  text: string;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

/** The stores and indexes of the first replica version, as browsers that ran it hold them (upgraded from). */
export const REPLICA_V1_STORES = {
  rooms: 'id',
  messages: 'id, [roomId+position], position',
  users: 'id',
  members: '[roomId+userId], roomId, userId',
  outbox: '++seq, &id, roomId, state',
  history: 'roomId',
  drafts: 'roomId',
  meta: 'key',
} as const;

/** One user's local replica: what the UI shows, filled by the network. */
export class Replica extends Dexie {
  rooms!: EntityTable<RoomRow, 'id'>;
  messages!: EntityTable<MessageRow, 'id'>;
  users!: EntityTable<UserRow, 'id'>;
  members!: Dexie.Table<MemberRow, [string, string]>;
  outbox!: EntityTable<OutboxRow, 'seq'>;
  history!: EntityTable<HistoryRow, 'roomId'>;
  drafts!: EntityTable<DraftRow, 'roomId'>;
  meta!: EntityTable<MetaRow, 'key'>;
  /** When rooms were forgotten here, so a stale room-list answer does not bring one back. */
  readonly roomEpochs = new RoomEpochs();

  constructor(userId: string) {
    super(`chatterlink-${userId}`);
    this.version(1).stores(REPLICA_V1_STORES);
    // Every stored message paid a write to a global `position` index that only search read; search now scans and
    // sorts. Messages are read by id and by [roomId+position].
    this.version(2).stores({ messages: 'id, [roomId+position]' });
  }

  /** The highest log position this replica has applied (the `since` of the next `hello`). */
  async lastPosition(): Promise<number> {
    const row = await this.meta.get('lastPosition');
    return typeof row?.value === 'number' ? row.value : 0;
  }
}
