/**
 * `aish completion --list specialists|sessions|capabilities`: the names a
 * completion script offers, one a line, from the server `--server` or
 * AISH_SERVER names, else from the embedded service. Run at every Tab press,
 * so it gives up after a short while and says nothing when it fails: a
 * completion that cannot ask simply offers nothing.
 */
import { existsSync } from 'node:fs';
import { databaseFile } from '../../config/paths.js';
import type { Specialists } from '../../protocol/index.js';
import { connect, type Connection } from '../specialists.js';
import type { NameKind } from './model.js';

/** Longer than a local server or the embedded service needs; short enough not to hang a Tab press. */
const DEADLINE_MS = 2000;

/** Prints the names; 0 when they could be asked (even if there are none), else 1. */
export async function printNames(kind: NameKind, connection: Connection): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DEADLINE_MS);
  });
  try {
    const names = await Promise.race([namesOf(kind, connection), deadline]);
    if (names === undefined) return 1;
    if (names.length > 0) process.stdout.write(names.join('\n') + '\n');
    return 0;
  } catch {
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

async function namesOf(kind: NameKind, connection: Connection): Promise<string[]> {
  const remote = Boolean(connection.server ?? process.env.AISH_SERVER);
  // Sessions of the embedded service live in the database: none yet means none to offer (and none to create).
  if (kind === 'sessions' && !remote && !existsSync(databaseFile())) return [];
  const specialists = await connect(connection);
  try {
    return await ask(kind, specialists);
  } finally {
    await specialists.close().catch(() => {});
  }
}

async function ask(kind: NameKind, specialists: Specialists): Promise<string[]> {
  switch (kind) {
    case 'specialists':
      return (await specialists.list()).map((specialist) => specialist.id);
    case 'capabilities': {
      const names = new Set<string>();
      for (const specialist of await specialists.list()) {
        for (const name of [...specialist.capabilities.primary, ...Object.keys(specialist.capabilities.scores)]) names.add(name);
      }
      return [...names].sort();
    }
    case 'sessions': {
      const sessions = await specialists.listSessions();
      // Names are what people type; ids still complete for unnamed sessions and for those who paste them.
      const named = sessions.flatMap((session) => (session.name ? [session.name] : []));
      return [...new Set([...named, ...sessions.map((session) => session.id)])];
    }
  }
}
