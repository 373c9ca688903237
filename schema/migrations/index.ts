import type { Migration } from 'kysely';
import * as eventLog from './0001_event_log';
import * as projections from './0002_projections';
import * as checkpoints from './0003_checkpoints';
import * as uploads from './0004_uploads';
import * as typingThrottle from './0005_typing_throttle';
import * as appendExpectHead from './0006_append_expect_head';
import * as appendExpectState from './0007_append_expect_state';

/**
 * Every migration, in order. Listed statically (not read from disk) so the
 * bundled server carries them. Names must sort in application order.
 */
export const migrations: Record<string, Migration> = {
  '0001_event_log': eventLog,
  '0002_projections': projections,
  '0003_checkpoints': checkpoints,
  '0004_uploads': uploads,
  '0005_typing_throttle': typingThrottle,
  '0006_append_expect_head': appendExpectHead,
  '0007_append_expect_state': appendExpectState,
};
