import type { Kysely } from 'kysely';
import type { Config } from '../config/config';
import type { Database } from '../db/types';
import type { EventStore } from '../eventstore/store';

/** Time and identity sources, injected so deciders stay pure and tests stay deterministic. */
export interface Clock {
  now(): Date;
}
export interface IdSource {
  newId(): string;
}

/** What every service needs: the database, the log, settings, a clock and an id source. */
export interface ServiceContext {
  readonly db: Kysely<Database>;
  readonly store: EventStore;
  readonly config: Config;
  readonly clock: Clock;
  readonly ids: IdSource;
}
