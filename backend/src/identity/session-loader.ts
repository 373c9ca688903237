import { sql, type Kysely } from 'kysely';
import { BatchLoader } from '../db/batch-loader';
import type { Database } from '../db/types';
import type { UserFacts } from './users';

/** What a session check reads: the session and the user it belongs to (`undefined`: no such row). */
export interface SessionFacts {
  readonly session: { readonly userId: string; /** Epoch milliseconds. */ readonly expiresAt: number; readonly ended: boolean } | undefined;
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

/** One session as the statement answers it: user id, expiry (epoch ms), ended, then the user's columns (null: no such row). */
type Answer = [string | null, number | null, boolean, string | null, string | null, boolean | null];

/**
 * One statement for many session ids, answers in the order asked; the ids
 * travel as one JSON parameter and the answers come back as one JSON text.
 * A row per session (seven columns, the expiry parsed into a Date) cost every
 * handshake about 1.5 KB of driver objects, the garbage a reconnecting
 * crowd's scavenges promoted most.
 */
async function sessionsMany(db: Kysely<Database>, sessionIds: readonly string[]): Promise<SessionFacts[]> {
  const { rows } = await sql<{ answers: string }>`
    select coalesce(json_agg(json_build_array(
      s.user_id, floor(extract(epoch from s.expires_at) * 1000), s.ended_at is not null, u.username, u.username_lower, u.is_admin
    ) order by q.n), '[]')::text as answers
    from rows from (json_array_elements_text(${JSON.stringify(sessionIds)}::json)) with ordinality as q(session_id, n)
    left join sessions s on s.id = q.session_id
    left join users u on u.id = s.user_id`.execute(db);
  const answers = JSON.parse(rows[0]!.answers) as Answer[];
  if (answers.length !== sessionIds.length) throw new Error('session lookup answered a different number of sessions');
  return answers.map(factsOf);
}

function factsOf([userId, expiresAt, ended, username, usernameLower, isAdmin]: Answer): SessionFacts {
  if (userId === null) return { session: undefined, user: undefined };
  const session = { userId, expiresAt: expiresAt!, ended };
  const user = username === null ? undefined : { id: userId, username, username_lower: usernameLower!, is_admin: isAdmin! };
  return { session, user };
}
