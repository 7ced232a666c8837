/**
 * An `aish -c` line logs its exchanges without opening SQLite once the database exists: they
 * wait in a pending file beside it, and every reader of the log sees them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingFolder, writePendingExchanges, FOLD_AT_PENDING_FILES } from '../../src/store/pending-exchanges.js';
import { aishC, runAish, tempHome } from '../support/aish.js';

/** The log as `aish history` lists it, oldest first: `ID message`. */
async function historyMessages(home: string): Promise<string[]> {
  const result = await runAish(['history', '--limit', '1000', '--json'], { home });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as { exchanges: { id: number; message: string }[] }).exchanges.map((exchange) => `${exchange.id} ${exchange.message}`);
}

describe('exchanges logged as pending files', () => {
  it('leave the database untouched until a reader folds them, in the order they ran', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    expect((await aishC('apollo one', { home })).status).toBe(0);
    const before = readFileSync(db);
    expect((await aishC('apollo two; athena three', { home })).stdout).toBe('[apollo] two\n[athena] three\n');
    expect((await aishC('apollo four', { home })).status).toBe(0);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(readdirSync(pendingFolder(db)).length).toBeGreaterThan(0);

    expect(await historyMessages(home)).toEqual(['1 one', '2 two', '3 three', '4 four']);
    expect(readdirSync(pendingFolder(db))).toEqual([]);
  });

  it('are folded once when several readers start together', async () => {
    const home = tempHome();
    expect((await aishC('apollo first', { home })).status).toBe(0);
    const lines = Array.from({ length: 8 }, (_, n) => `apollo line-${n}`);
    for (const result of await Promise.all(lines.map((line) => aishC(line, { home })))) expect(result.status).toBe(0);
    const readers = await Promise.all(Array.from({ length: 4 }, () => runAish(['history', '--json'], { home })));
    for (const reader of readers) expect(reader.status).toBe(0);
    const messages = (await historyMessages(home)).map((entry) => entry.split(' ')[1]);
    expect(messages).toHaveLength(9);
    expect(new Set(messages).size).toBe(9);
    expect(messages[0]).toBe('first');
  });

  it('are folded by a writer when nobody has read the log for a long time', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    expect((await aishC('apollo first', { home })).status).toBe(0);
    for (let n = 0; n < FOLD_AT_PENDING_FILES - 1; n++) {
      writePendingExchanges(db, [{ started_at: n, command_line: 'apollo old', specialist: 'apollo', model: 'echo', message: `old ${n}`, answer: `old ${n}`, tokens_in: 1, tokens_out: 1, duration_ms: 1, status: 'ok', error_code: null, session_id: null, cost_usd: 0 }]);
    }
    expect((await aishC('apollo last', { home })).status).toBe(0);
    expect(readdirSync(pendingFolder(db))).toEqual([]);
    const messages = await historyMessages(home);
    expect(messages).toHaveLength(FOLD_AT_PENDING_FILES + 1);
    expect(messages.at(-1)).toBe(`${FOLD_AT_PENDING_FILES + 1} last`);
  });
});
