import type { UploadDto } from '@chatterlink/schema/protocol';
import type { ServiceContext } from '../app/context';
import type { Keyring } from '../crypto/keyring';
import { ConflictError, NotFoundError } from '../errors/errors';
import type { Principal } from '../identity/service';
import { requireMember } from '../messages/decide';
import { loadRoomAccess } from '../rooms/access';
import { decideUpload } from './decide';
import { toUploadDto } from './dto';
import type { FileUploaded } from './events';
import { inspectImage } from './image-info';
import { storageKeyOf } from './projections/uploads';
import { openSealed, type SealedFile } from './sealed-reader';
import { uploadKey } from './sealed-format';
import { SealingSink } from './sealing-sink';
import { IMAGE_TYPES, type UploadMime } from './sniff';
import type { UploadDir } from './upload-dir';

/** An upload being received: its server-generated id and the sink sealing its bytes. */
export interface PreparedUpload {
  readonly uploadId: string;
  readonly keyId: string;
  readonly key: Buffer;
  readonly sink: SealingSink;
}

/** What the download route needs to serve an upload. */
export interface Download {
  readonly file: SealedFile;
  readonly mime: string;
  readonly name: string;
}

/** Storing uploads (sealed, recorded as `file.uploaded`) and opening them for the room's members. */
export class UploadsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly keyring: Keyring,
    private readonly dir: UploadDir,
  ) {}

  /** Refuses early, before any byte of the body is read, a caller who may not upload to the room. */
  async assertCanUpload(principal: Principal, roomId: string): Promise<void> {
    requireMember(await loadRoomAccess(this.ctx.db, roomId, principal.user.id));
  }

  /** A new upload id and a sink that seals the bytes under the uploader's key as they arrive. */
  async prepare(principal: Principal): Promise<PreparedUpload> {
    await this.dir.ready();
    const uploadId = this.ctx.ids.newId();
    const dataKey = (await this.keyring.keysFor([principal.user.id])).get(principal.user.id)!;
    const key = uploadKey(dataKey.key, uploadId);
    return { uploadId, keyId: dataKey.id, key, sink: new SealingSink(this.dir.newTempPath(), key, uploadId) };
  }

  /**
   * Records a fully received upload: images get their dimensions and a
   * preview, the sealed file moves to its storage key, and `file.uploaded`
   * is appended. With a `clientId` seen before, the first upload is returned
   * and nothing is written.
   */
  async complete(
    principal: Principal,
    roomId: string,
    prepared: PreparedUpload,
    input: { name: string; clientId?: string | undefined },
  ): Promise<{ upload: UploadDto; position: number; duplicate: boolean }> {
    if (input.clientId) {
      const earlier = await this.#earlier(principal, input.clientId);
      if (earlier) return { ...earlier, duplicate: true };
    }
    const { uploadId, sink } = prepared;
    const mime = sink.mime;
    const data: FileUploaded = {
      uploadId,
      roomId,
      keyId: prepared.keyId,
      name: input.name,
      mime,
      size: sink.size,
      ...(await this.#imageFacts(prepared, mime)),
    };
    const events = decideUpload(data, await loadRoomAccess(this.ctx.db, roomId, principal.user.id));
    const storageKey = storageKeyOf(uploadId);
    await this.dir.commit(sink.path, storageKey);
    try {
      const result = await this.ctx.store.append({
        actor: principal.user.id,
        occurredAt: this.ctx.clock.now(),
        events,
        ...(input.clientId ? { commandId: input.clientId } : {}),
      });
      const position = result.positions[0]!;
      if (!result.duplicate) return { upload: toUploadDto(data), position, duplicate: false };
      // A concurrent retry with the same client id won the race: keep its file, drop ours.
      await this.dir.remove(storageKey);
      return { upload: await this.#uploadAt(position), position, duplicate: true };
    } catch (error) {
      await this.dir.remove(storageKey);
      throw error;
    }
  }

  /** An upload's sealed bytes, for members of its room only; everyone else gets the 404 of a missing id. */
  async open(principal: Principal, uploadId: string): Promise<Download> {
    const row = await this.ctx.db.selectFrom('uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
    const access = row && (await loadRoomAccess(this.ctx.db, row.room_id, principal.user.id));
    if (!row || !access?.isMember) throw new NotFoundError('No such upload.');
    const [event, dataKey] = await Promise.all([this.ctx.store.readAt([row.position]), this.keyring.keyById(row.key_id)]);
    const recorded = event.get(row.position);
    if (recorded?.type !== 'file.uploaded') throw new NotFoundError('No such upload.');
    return {
      file: { path: this.dir.pathOf(row.storage_key), key: uploadKey(dataKey, row.id), uploadId: row.id, size: row.size },
      mime: row.mime,
      name: recorded.data.name,
    };
  }

  async #imageFacts(prepared: PreparedUpload, mime: UploadMime): Promise<Pick<FileUploaded, 'width' | 'height' | 'preview'>> {
    if (!IMAGE_TYPES.has(mime)) return {};
    const { sink, key, uploadId } = prepared;
    // Bounded by MAX_UPLOAD_MB: the decoder needs the whole (compressed) image anyway.
    const bytes = Buffer.concat(await (await openSealed({ path: sink.path, key, uploadId, size: sink.size })).toArray());
    const image = await inspectImage(bytes, mime);
    return { width: image.width, height: image.height, ...(image.preview ? { preview: image.preview.toString('base64') } : {}) };
  }

  /** The upload a client id already recorded, if any; another user's id, or a non-upload command, is a conflict. */
  async #earlier(principal: Principal, clientId: string): Promise<{ upload: UploadDto; position: number } | undefined> {
    const earlier = await this.ctx.store.commandResult(clientId);
    if (!earlier) return undefined;
    if (earlier.actor !== principal.user.id || earlier.positions.length !== 1) {
      throw new ConflictError('command_id_reused', 'This client id was already used.');
    }
    const position = earlier.positions[0]!;
    return { upload: await this.#uploadAt(position), position };
  }

  async #uploadAt(position: number): Promise<UploadDto> {
    const event = (await this.ctx.store.readAt([position])).get(position);
    if (event?.type !== 'file.uploaded') throw new ConflictError('command_id_reused', 'This client id was already used.');
    return toUploadDto(event.data);
  }
}
