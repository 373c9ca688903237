import { sessionsProjection } from '../identity/projections/sessions';
import { usersProjection } from '../identity/projections/users';
import { messagesProjection } from '../messages/projections/messages';
import { reactionsProjection } from '../messages/projections/reactions';
import { membershipsProjection } from '../rooms/projections/memberships';
import { roomsProjection } from '../rooms/projections/rooms';
import { uploadsProjection } from '../uploads/projections/uploads';
import type { Projection } from './projection';

/** Every projection, each owning one table. */
export const allProjections: readonly Projection[] = [
  usersProjection,
  sessionsProjection,
  roomsProjection,
  membershipsProjection,
  messagesProjection,
  reactionsProjection,
  uploadsProjection,
] as readonly Projection[];
