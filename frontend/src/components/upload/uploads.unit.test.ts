import type { ClientFrame, EventFrame } from '@chatterlink/schema/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replica } from '../../db/replica';
import { couriers, Outbox } from '../../outbox/outbox';
import { applyEvents } from '../../sync/apply-event';
import { timelineRows } from '../../timeline/rows';
import { registerUploadSync } from './sync';
import type { Upload } from './upload-request';

const ROOM = 'room-1';
const ME = 'me';
const BOB = 'bob';
const upload: Upload = { id: 'u1', name: 'cat.png', mime: 'image/png', size: 10, url: '/api/uploads/u1', width: 4, height: 3, preview: 'data:image/webp;base64,AA==' };

const uploaded = (position: number, actor = BOB): EventFrame => ({
  type: 'event',
  position,
  event: 'file.uploaded',
  room: ROOM,
  actor,
  at: '2026-01-01T00:00:00.000Z',
  data: { uploadId: upload.id, roomId: ROOM, upload },
});

describe('uploads in the replica and the outbox', () => {
  let db: Replica;
  const savedCourier = couriers.upload;
  beforeEach(async () => {
    registerUploadSync();
    db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.put({ id: ROOM, name: 'general', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 });
    await db.meta.put({ key: 'lastPosition', value: 1 });
  });
  afterEach(async () => {
    couriers.upload = savedCourier;
    await db.delete();
  });

  it('applies file.uploaded as a timeline item carrying the upload, counted as unread', async () => {
    await applyEvents(db, [uploaded(2)], ME);
    expect(await db.messages.get('u1')).toEqual({ id: 'u1', roomId: ROOM, position: 2, authorId: BOB, body: '', at: '2026-01-01T00:00:00.000Z', reactions: [], extra: { upload } });
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 1, lastPosition: 2 });
  });

  it('queues an attachment with its bytes, shows it pending in order, and hands it to the upload courier, not the socket', async () => {
    const frames: ClientFrame[] = [];
    const outbox = new Outbox(db, ME, { send: (frame) => (frames.push(frame), true) });
    const delivered: string[] = [];
    couriers.upload = async (row) => {
      delivered.push(`${row.fileName}:${await row.file!.text()}`);
      return { type: 'ack', id: row.id, position: 5 };
    };
    const file = new Blob(['bytes'], { type: 'image/png' });
    const uploadId = await outbox.upload(ROOM, file, 'cat.png');
    const messageId = await outbox.send(ROOM, 'after the picture');

    const queued = await db.outbox.orderBy('seq').toArray();
    const rows = timelineRows([], queued, ME, new Date('2026-01-01T00:00:00Z')).filter((r) => r.kind === 'message');
    expect(rows.map((r) => r.kind === 'message' && r.message.id)).toEqual([uploadId, messageId]);
    expect(rows[0]!.kind === 'message' && rows[0]!.message.extra).toMatchObject({ pendingUpload: { name: 'cat.png' } });

    outbox.setLeader(true);
    outbox.setLive(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    outbox.handleReply({ type: 'ack', id: messageId, position: 6 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered).toEqual(['cat.png:bytes']);
    expect(frames).toEqual([{ type: 'send', id: messageId, room: ROOM, body: 'after the picture' }]);
    expect(await db.outbox.count()).toBe(0);
  });
});
