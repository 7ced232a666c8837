/**
 * The shapes the store hands out, and the mapping from database rows to them.
 * Times are milliseconds since the Unix epoch throughout.
 */

/** A session as stored: one row of `sessions`, with `metadata` parsed. */
export interface SessionRecord {
  id: string;
  /** Optional unique name users can type instead of the id. */
  name: string | null;
  specialist_id: string;
  /** How many recent exchanges are sent to the model (0 = all). */
  context_window: number;
  /** Seconds of inactivity after which the session expires. */
  ttl_s: number;
  metadata: Record<string, unknown>;
  created_at: number;
  last_activity: number;
  /** `last_activity + ttl_s * 1000`; callers decide what expiry means, the store never deletes. */
  expires_at: number;
}

/** One line of a session listing. */
export interface SessionSummary {
  id: string;
  name: string | null;
  specialist_id: string;
  message_count: number;
  ttl_s: number;
  created_at: number;
  last_activity: number;
  expires_at: number;
}

/**
 * One stored message. A user message carries the prompt's token count in
 * `tokens_input`; an assistant message carries the answer's in `tokens_output`
 * and the specialist that answered in `specialist_id`.
 */
export interface MessageRecord {
  role: 'user' | 'assistant';
  content: string;
  timestamp: number;
  tokens_input: number | null;
  tokens_output: number | null;
  specialist_id: string | null;
}

/** A whole session as a JSON document, written by `exportSession` and read back by `importSession`. */
export interface SessionExport {
  format: 'aish-session';
  version: 1;
  session: SessionRecord;
  messages: MessageRecord[];
}

/** A `sessions` row as SQLite returns it. */
export interface SessionRow extends Omit<SessionRecord, 'metadata'> {
  metadata: string;
}

/** A session row with its metadata parsed. */
export function sessionFromRow(row: SessionRow): SessionRecord {
  return { ...row, metadata: JSON.parse(row.metadata) as Record<string, unknown> };
}
