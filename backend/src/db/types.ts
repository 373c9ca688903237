import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** The event log: one row per event, append-only (enforced by triggers). */
export interface EventsTable {
  position: number;
  stream: string;
  version: number;
  type: string;
  actor: string | null;
  occurred_at: Timestamp;
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  metadata: ColumnType<EventMetadata, string, string>;
  transaction_id: Generated<string>;
  prev_hash: Buffer;
  hash: Buffer;
}

/** Plaintext bookkeeping carried by every event; never user content. */
export interface EventMetadata {
  commandId?: string;
  correlationId?: string;
  causationId?: string;
}

export interface StreamsTable {
  stream: string;
  version: number;
}

export interface CommandsTable {
  command_id: string;
  actor: string | null;
  positions: number[];
  created_at: Timestamp;
}

export interface DataKeysTable {
  id: string;
  owner: string;
  master_key_id: string;
  /** `null` once the key was destroyed (crypto-erasure). */
  wrapped: Buffer | null;
  created_at: Timestamp;
  destroyed_at: Timestamp | null;
}

/** Signed heads of the hash chain (append-only); see audit/checkpoints.ts. */
export interface CheckpointsTable {
  position: number;
  hash: Buffer;
  signed_at: Timestamp;
  /** Fingerprint of the Ed25519 public key that signed. */
  key_id: string;
  signature: Buffer;
}

export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  password_hash: string;
  is_admin: boolean;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface RoomsTable {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'dm';
  created_by: string | null;
  created_at: Timestamp;
  last_position: number;
}

export interface MembershipsTable {
  id: string;
  room_id: string;
  user_id: string;
  joined_at: Timestamp;
  last_read_position: number;
  /** When the member last typed here (their latest `user.typing`). */
  last_typing_at: Timestamp | null;
}

export interface MessagesTable {
  id: string;
  room_id: string;
  author_id: string;
  position: number;
  /** Position of the event whose sealed payload holds the current body; `null` once deleted. */
  body_position: number | null;
  sent_at: Timestamp;
  edited_at: Timestamp | null;
  deleted: boolean;
}

export interface ReactionsTable {
  id: string;
  message_id: string;
  room_id: string;
  user_id: string;
  emoji: string;
  position: number;
}

/** Uploads: where the sealed bytes are and how to serve them; names and previews stay in the log. */
export interface UploadsTable {
  id: string;
  room_id: string;
  uploader_id: string;
  /** The uploader's data key the file key is derived from. */
  key_id: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  /** File name under UPLOAD_DIR (server-generated). */
  storage_key: string;
  /** Position of the sealed `file.uploaded` event. */
  position: number;
  uploaded_at: Timestamp;
}

/** Tables derived from the log; `make replay` rebuilds exactly these. */
export interface ProjectionTables {
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  memberships: MembershipsTable;
  messages: MessagesTable;
  reactions: ReactionsTable;
  uploads: UploadsTable;
}

export interface Database extends ProjectionTables {
  events: EventsTable;
  streams: StreamsTable;
  commands: CommandsTable;
  data_keys: DataKeysTable;
  checkpoints: CheckpointsTable;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
export type ProjectionTable = keyof ProjectionTables;
/** A projection row as stored; every projection table has a text primary key `id`. */
export type ProjectionRow<T extends ProjectionTable> = Selectable<ProjectionTables[T]>;
