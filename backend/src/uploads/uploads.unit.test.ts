import { describe, expect, it } from 'vitest';
import type { ProjectionRow } from '../db/types';
import { ForbiddenError, NotFoundError, UnsupportedTypeError } from '../errors/errors';
import type { ChatEvent, RecordedChatEvent } from '../events';
import { foldInto } from '../projections/projection';
import { messagesProjection } from '../messages/projections/messages';
import { roomsProjection } from '../rooms/projections/rooms';
import { toEventFrame } from '../realtime/event-frame';
import { sampleMp4 } from '../../test/upload-samples';
import { ContentInspector } from './content-inspector';
import { decideUpload } from './decide';
import { toUploadDto } from './dto';
import type { FileUploaded } from './events';
import { uploadsProjection } from './projections/uploads';

const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const roomId = '22222222-2222-4222-8222-222222222222';
const uploadId = '44444444-4444-4444-8444-444444444444';
const at = (position: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, position));

const uploaded: FileUploaded = {
  uploadId,
  roomId,
  keyId: 'key-1',
  name: 'cat.png',
  mime: 'image/png',
  size: 1234,
  width: 40,
  height: 30,
  preview: Buffer.from('preview').toString('base64'),
};

function recorded(event: ChatEvent, position: number): RecordedChatEvent {
  return { ...event, position, stream: `room-${roomId}`, version: position, actor: alice, occurredAt: at(position), metadata: {} };
}

describe('decideUpload', () => {
  const room = { kind: 'private' as const };
  it('records file.uploaded in the room stream for a member', () => {
    expect(decideUpload(uploaded, { room, isMember: true })).toEqual([{ stream: `room-${roomId}`, type: 'file.uploaded', data: uploaded }]);
  });
  it('hides rooms the actor cannot see and asks non-members of public rooms to join', () => {
    expect(() => decideUpload(uploaded, { room: undefined, isMember: false })).toThrow(NotFoundError);
    expect(() => decideUpload(uploaded, { room: { kind: 'public' }, isMember: false })).toThrow(ForbiddenError);
  });
});

describe('uploads in the projections', () => {
  const events = [recorded({ type: 'file.uploaded', data: uploaded }, 5)];

  it('keeps where the sealed bytes are, never the file name or the preview', () => {
    const state = new Map<string, ProjectionRow<'uploads'>>();
    foldInto(uploadsProjection, state, events);
    expect(state.get(uploadId)).toEqual({
      id: uploadId,
      room_id: roomId,
      uploader_id: alice,
      key_id: 'key-1',
      mime: 'image/png',
      size: 1234,
      width: 40,
      height: 30,
      storage_key: `${uploadId}.sealed`,
      position: 5,
      uploaded_at: at(5),
    });
    expect(JSON.stringify([...state.values()])).not.toMatch(/cat\.png|preview/);
    foldInto(uploadsProjection, state, [recorded({ type: 'message.deleted', data: { messageId: uploadId, roomId } }, 6)]);
    expect(state.size).toBe(0);
  });

  it('makes the upload a timeline item that moves the room head', () => {
    const messages = new Map<string, ProjectionRow<'messages'>>();
    foldInto(messagesProjection, messages, events);
    expect(messages.get(uploadId)).toMatchObject({ id: uploadId, room_id: roomId, author_id: alice, position: 5, body_position: 5, deleted: false });
    const rooms = new Map<string, ProjectionRow<'rooms'>>([
      [roomId, { id: roomId, name: 'team', kind: 'private', created_by: alice, created_at: at(1), last_position: 1 }],
    ]);
    foldInto(roomsProjection, rooms, events);
    expect(rooms.get(roomId)?.last_position).toBe(5);
  });

  it('shows clients the upload without key ids, the preview as a data URL', () => {
    const dto = toUploadDto(uploaded);
    expect(dto).toEqual({
      id: uploadId,
      name: 'cat.png',
      mime: 'image/png',
      size: 1234,
      url: `/api/uploads/${uploadId}`,
      width: 40,
      height: 30,
      preview: `data:image/webp;base64,${uploaded.preview}`,
    });
    expect(toEventFrame(events[0]!)?.data).toEqual({ uploadId, roomId, upload: dto });
  });
});

describe('ContentInspector', () => {
  it('decides the type once enough bytes arrived, byte by byte if need be', () => {
    const inspector = new ContentInspector();
    for (const byte of sampleMp4()) inspector.push(Buffer.from([byte]));
    expect(inspector.finish()).toBe('video/mp4');
  });
  it('refuses as soon as the head is known to be foreign, before the rest arrives', () => {
    const inspector = new ContentInspector();
    expect(() => inspector.push(Buffer.alloc(64, 0x20))).toThrow(UnsupportedTypeError);
  });
  it('refuses a short file only once it has ended', () => {
    const inspector = new ContentInspector();
    inspector.push(Buffer.from('GIF8'));
    expect(() => inspector.finish()).toThrow(UnsupportedTypeError);
  });
});
