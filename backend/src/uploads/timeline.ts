import type { UploadDto } from '@chatterlink/schema/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { EventStore } from '../eventstore/store';
import { toUploadDto } from './dto';

/** The uploads among a page of timeline items, by item id (an upload's item id is its upload id). */
export async function uploadsOf(db: Kysely<Database>, store: EventStore, itemIds: readonly string[]): Promise<Map<string, UploadDto>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db.selectFrom('uploads').select(['id', 'position']).where('id', 'in', itemIds).execute();
  const events = await store.readAt(rows.map((r) => r.position));
  const uploads = new Map<string, UploadDto>();
  for (const row of rows) {
    const event = events.get(row.position);
    if (event?.type === 'file.uploaded') uploads.set(row.id, toUploadDto(event.data));
  }
  return uploads;
}
