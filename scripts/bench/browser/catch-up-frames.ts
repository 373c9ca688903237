// The catch-ups the client benchmark replays to the PWA's own sync code in Chromium, as the server sends them.
import type { EventFrame } from '@chatterlink/schema/protocol';

/** Ids the browser side needs to seed its replica. */
export const BENCH_ME = '00000000-0000-4000-8000-00000000000a';
export const BENCH_ROOMS = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`);
const AUTHORS = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-2000000000${String(i).padStart(2, '0')}`);

/** What a catch-up is made of. */
export type CatchUpMix = 'message.sent' | 'mixed';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (position: number) => new Date(1_700_000_000_000 + position * 1000).toISOString();

/** A small deterministic generator (mulberry32), so every run replays the same mix. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` events after position 0. `message.sent`: one room, one author, 200-byte bodies (the ingest target's case).
 * `mixed`: ten rooms and twenty authors, the user among them; 70 % messages, 12 % reactions, 6 % edits, 3 %
 * deletions, 5 % read receipts (a fifth of them the user's own, from another device), 2 % members joining and
 * 2 % uploads, each touching one of the room's recent messages.
 */
export function catchUpFrames(mix: CatchUpMix, count: number): EventFrame[] {
  const next = random(7);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const recent = new Map<string, string[]>(BENCH_ROOMS.map((room) => [room, []]));
  const frames: EventFrame[] = [];
  for (let position = 1; position <= count; position++) {
    const room = mix === 'mixed' ? pick(BENCH_ROOMS) : BENCH_ROOMS[0]!;
    const actor = mix === 'mixed' && next() < 0.1 ? BENCH_ME : mix === 'mixed' ? pick(AUTHORS) : AUTHORS[0]!;
    const base = { type: 'event' as const, position, room, actor, at: at(position) };
    const messages = recent.get(room)!;
    const target = messages.length > 0 ? messages[Math.max(0, messages.length - 1 - Math.floor(next() * 50))]! : undefined;
    const roll = mix === 'mixed' ? next() : 0;
    const sent = (body: string): EventFrame => {
      const messageId = uuid(position);
      messages.push(messageId);
      return { ...base, event: 'message.sent', data: { messageId, roomId: room, body } };
    };
    if (roll < 0.7 || !target) frames.push(sent('x'.repeat(200)));
    else if (roll < 0.82) frames.push({ ...base, event: 'reaction.added', data: { messageId: target, roomId: room, emoji: pick(['👍', '🎉', '❤️', '😂']) } });
    else if (roll < 0.88) frames.push({ ...base, event: 'message.edited', data: { messageId: target, roomId: room, body: 'y'.repeat(180) } });
    else if (roll < 0.91) frames.push({ ...base, event: 'message.deleted', data: { messageId: target, roomId: room } });
    else if (roll < 0.96) {
      const reader = next() < 0.2 ? BENCH_ME : actor;
      frames.push({ ...base, actor: reader, event: 'receipt.read', data: { roomId: room, position: Math.max(1, position - Math.floor(next() * 20)) } });
    } else if (roll < 0.98) {
      const userId = uuid(1_000_000 + position);
      frames.push({ ...base, actor: userId, event: 'room.joined', data: { roomId: room, userId } });
    } else {
      const id = uuid(2_000_000 + position);
      messages.push(id);
      const upload = { id, name: 'photo.jpg', mime: 'image/jpeg', size: 150_000, url: `/api/uploads/${id}`, width: 800, height: 600, preview: `data:image/webp;base64,${'A'.repeat(300)}` };
      frames.push({ ...base, event: 'file.uploaded', data: { uploadId: id, roomId: room, upload } });
    }
  }
  return frames;
}
