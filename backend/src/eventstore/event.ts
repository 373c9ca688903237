import type { z } from 'zod';
import type { EventMetadata } from '../db/types';

/** Schemas of one context's events, keyed by event type. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** The discriminated union of readonly events described by a schema map. */
export type EventOf<S extends EventSchemas> = {
  [K in keyof S & string]: { readonly type: K; readonly data: Readonly<z.output<S[K]>> };
}[keyof S & string];

/** An event about to be appended to `stream`. */
export type NewEvent<E extends { type: string; data: unknown }> = E & { readonly stream: string };

/** An event as the log holds it, decrypted. */
export type RecordedEvent<E extends { type: string; data: unknown }> = E & {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  /** The user who caused it; `null` for the system. */
  readonly actor: string | null;
  readonly occurredAt: Date;
  readonly metadata: EventMetadata;
  /** Set when the event's data key was destroyed: `data` is the redacted payload, without content. */
  readonly erased?: true;
};
