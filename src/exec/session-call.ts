/**
 * The session flags of an AI stage: `--session` (new; its id reported on
 * stderr), `--session ID|NAME` (continue; a name that does not exist yet is
 * created), `-C` (the session this terminal used last), `--context-window N`.
 */
import { AishError, type Specialists } from '../protocol/index.js';
import type { AiOptions } from '../plan/index.js';
import type { ExecContext } from './context.js';

/** Ids look like `ses_…`; anything else after `--session` is a name. */
const SESSION_ID = /^ses_[0-9a-f]{32}$/;

export function usesSession(options: AiOptions): boolean {
  return options.session !== undefined || options.continue === true || options.getId === true;
}

/** The id of the session this stage talks in, creating it when the flags say so. */
export async function sessionFor(specialist: string, options: AiOptions, context: ExecContext): Promise<string> {
  const specialists: Specialists = context.specialists;
  const create = async (name?: string): Promise<string> => {
    const created = await specialists.createSession({
      specialist_id: specialist,
      // Find-or-create in one step: other processes may be continuing the same new name right now.
      ...(name !== undefined && { name, continue_existing: true }),
      ...(options.contextWindow !== undefined && { context_window: options.contextWindow }),
    });
    if (created.created !== false) context.reporter.notice(`aish: session ${created.id}${name ? ` (${name})` : ''} with ${specialist}`);
    return created.id;
  };
  if (options.continue) {
    const current = context.host.currentSession();
    if (!current) throw new AishError('SESSION_NOT_FOUND', 'no session to continue in this terminal (start one with --session)');
    return current;
  }
  if (options.session === undefined || options.session === true) return create();
  // An id is never created on the fly: a mistyped id is an error, not a new session.
  if (SESSION_ID.test(options.session)) return (await specialists.getSession(options.session)).id;
  return create(options.session);
}
