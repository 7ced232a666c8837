/**
 * Session leases in the SQLite file (`session_locks`). Each call is one
 * statement, so it is atomic across every connection to the file.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SessionLeases } from './store.js';

type Database = BetterSqlite3.Database;

/** `SessionLeases` on one SQLite connection. */
export class SqliteSessionLeases implements SessionLeases {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(db: Database) {
    this.statements = prepareStatements(db);
  }

  async tryTake(sessionId: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.statements.take.run({ session_id: sessionId, holder, now, until }).changes === 1;
  }

  async extend(sessionId: string, holder: string, until: number): Promise<boolean> {
    return this.statements.extend.run({ session_id: sessionId, holder, until }).changes === 1;
  }

  async give(sessionId: string, holder: string): Promise<void> {
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
