/**
 * Session leases in the database (`session_locks`): which process is answering
 * in a session, until when. Each call is one statement, so it is atomic across
 * every connection to the file; the coordinator built on it decides when to
 * call them.
 */
import type BetterSqlite3 from 'better-sqlite3';

type Database = BetterSqlite3.Database;

export class SessionLeases {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(db: Database) {
    this.statements = prepareStatements(db);
  }

  /** Takes the lease for `holder` until `until` when it is free, ended before `now`, or already `holder`'s; whether it did. */
  tryTake(sessionId: string, holder: string, now: number, until: number): boolean {
    return this.statements.take.run({ session_id: sessionId, holder, now, until }).changes === 1;
  }

  /** Moves the end of `holder`'s lease to `until`; false when another holder has it (or nobody). */
  extend(sessionId: string, holder: string, until: number): boolean {
    return this.statements.extend.run({ session_id: sessionId, holder, until }).changes === 1;
  }

  /** Ends `holder`'s lease; another holder's is left alone. */
  give(sessionId: string, holder: string): void {
    this.statements.give.run({ session_id: sessionId, holder });
  }
}

function prepareStatements(db: Database) {
  return {
    // One statement: the row is written only when the WHERE holds, so of two processes
    // racing for a free lease exactly one sees a change.
    take: db.prepare<[{ session_id: string; holder: string; now: number; until: number }]>(
      `INSERT INTO session_locks (session_id, holder, expires_at) VALUES (@session_id, @holder, @until)
       ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE session_locks.expires_at <= @now OR session_locks.holder = excluded.holder`,
    ),
    extend: db.prepare<[{ session_id: string; holder: string; until: number }]>(
      'UPDATE session_locks SET expires_at = @until WHERE session_id = @session_id AND holder = @holder',
    ),
    give: db.prepare<[{ session_id: string; holder: string }]>('DELETE FROM session_locks WHERE session_id = @session_id AND holder = @holder'),
  };
}
