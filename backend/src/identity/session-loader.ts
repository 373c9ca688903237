import { sql, type Kysely } from 'kysely';
import { BatchLoader } from '../db/batch-loader';
import type { Database, ProjectionRow } from '../db/types';
import type { UserFacts } from './users';

/** What a session check reads: the session and the user it belongs to (`undefined`: no such row). */
export interface SessionFacts {
  readonly session: Pick<ProjectionRow<'sessions'>, 'user_id' | 'expires_at' | 'ended_at'> | undefined;
  readonly user: UserFacts | undefined;
}

/**
 * Session lookups for many concurrent session checks (a reconnecting crowd
 * opens thousands of sockets at once), the session and its user in one round
 * trip: a logout committed before a check is seen by that check.
 */
export class SessionLoader extends BatchLoader<string, SessionFacts> {
  constructor(db: Kysely<Database>) {
    super((sessionIds) => sessionsMany(db, sessionIds));
  }
}

interface Row {
  readonly user_id: string | null;
  readonly expires_at: Date | null;
  readonly ended_at: Date | null;
  readonly id: string | null;
  readonly username: string | null;
  readonly username_lower: string | null;
  readonly is_admin: boolean | null;
}

/** One statement for many session ids, answers in the order asked; the ids travel as one JSON parameter. */
async function sessionsMany(db: Kysely<Database>, sessionIds: readonly string[]): Promise<SessionFacts[]> {
  const { rows } = await sql<Row>`
    select s.user_id, s.expires_at, s.ended_at, u.id, u.username, u.username_lower, u.is_admin
    from rows from (json_array_elements_text(${JSON.stringify(sessionIds)}::json)) with ordinality as q(session_id, n)
    left join sessions s on s.id = q.session_id
    left join users u on u.id = s.user_id
    order by q.n`.execute(db);
  if (rows.length !== sessionIds.length) throw new Error('session lookup answered a different number of rows');
  return rows.map(factsOf);
}

function factsOf(row: Row): SessionFacts {
  const session = row.user_id === null ? undefined : { user_id: row.user_id, expires_at: row.expires_at!, ended_at: row.ended_at };
  const user = row.id === null ? undefined : { id: row.id, username: row.username!, username_lower: row.username_lower!, is_admin: row.is_admin! };
  return { session, user };
}
