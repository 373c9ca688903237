const OPEN = '{"type":"events","events":[';
const CLOSE = ']}';
/** The envelope's bytes (ASCII), without the commas between events. */
const ENVELOPE_BYTES = OPEN.length + CLOSE.length;

/**
 * Packs serialised `event` frames, in order, into as few `events` frames of
 * at most `maxBytes` (UTF-8) as fit. A browser pays a task, a message event
 * and a string per frame it receives: for a catch-up of 10,000 events that
 * was most of the time the PWA spent receiving them. An event that fits no
 * envelope with others (or one left alone) goes out as its own `event` frame.
 */
export function packEventFrames(frames: readonly string[], maxBytes: number): string[] {
  const packed: string[] = [];
  let group: string[] = [];
  let groupBytes = ENVELOPE_BYTES;
  const flush = () => {
    if (group.length === 1) packed.push(group[0]!);
    else if (group.length > 1) packed.push(`${OPEN}${group.join(',')}${CLOSE}`);
    group = [];
    groupBytes = ENVELOPE_BYTES;
  };
  for (const frame of frames) {
    const bytes = Buffer.byteLength(frame);
    if (group.length > 0 && groupBytes + 1 + bytes > maxBytes) flush();
    groupBytes += bytes + (group.length > 0 ? 1 : 0); // and the comma before it
    group.push(frame);
  }
  flush();
  return packed;
}
