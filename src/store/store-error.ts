/**
 * The one error the store throws on purpose. Anything else escaping the store
 * (a `SqliteError` from a full disk, say) is a fault, not a refusal.
 */

/**
 * Why the store refused:
 * - `STORE_INVALID`: the database file cannot be used (not SQLite, not aish's,
 *   written by a newer aish, unreadable). The file is left exactly as it was.
 * - `NAME_TAKEN`: another session already answers to that name.
 * - `ID_TAKEN`: another session already has that id.
 * - `BAD_IMPORT`: an import document does not have the shape of a session export.
 * - `SESSION_NOT_FOUND`: an exchange was appended to a session that does not exist.
 * - `NEEDS_MIGRATION`: the database is older than this aish and was opened without
 *   migrating (`--no-migrate`); the message names the steps.
 * - `STORE_UNAVAILABLE`: the database server cannot be reached (down, restarting,
 *   refusing connections); nothing was done, and a later call may succeed.
 */
export type StoreErrorCode = 'STORE_INVALID' | 'NAME_TAKEN' | 'ID_TAKEN' | 'BAD_IMPORT' | 'SESSION_NOT_FOUND' | 'NEEDS_MIGRATION' | 'STORE_UNAVAILABLE';

/** Structured fields of a `StoreError`, beside its message. */
export interface StoreErrorFields {
  /** The database file (or URL without its password), for `STORE_INVALID` and `NEEDS_MIGRATION`. */
  file?: string;
  /** The dotted path of the offending field in an import document, for `BAD_IMPORT` (`messages[3].role`). */
  field?: string;
  /** What caused it (the underlying `SqliteError`, say). */
  cause?: unknown;
}

/** A refusal by the store, with a stable `code` and, where relevant, the `file` or `field` concerned. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly file?: string;
  readonly field?: string;

  constructor(code: StoreErrorCode, message: string, fields: StoreErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    if (fields.file !== undefined) this.file = fields.file;
    if (fields.field !== undefined) this.field = fields.field;
  }
}

/**
 * `STORE_INVALID` for `file`, as `FILE: WHY (the file was left unchanged)`:
 * the store refuses such files instead of resetting them.
 */
export function invalidStore(file: string, why: string, cause?: unknown): StoreError {
  const what = /^postgres(ql)?:\/\//i.test(file) ? 'database' : 'file';
  return new StoreError('STORE_INVALID', `${file}: ${why} (the ${what} was left unchanged)`, { file, cause });
}
