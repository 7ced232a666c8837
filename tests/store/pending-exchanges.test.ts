/** Pending exchange files: written whole and private, folded into the SQLite log once, in order, by whoever reads it. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openExchangeLog } from '../../src/store/index.js';
import { pendingFolder, writePendingExchanges } from '../../src/store/pending-exchanges.js';
import { loggedExchange as exchange, rawConnection, tempFolder } from './temp-store.js';

/** A new database holding exchange 1, closed again. */
async function databaseWithOneExchange(): Promise<string> {
  const file = join(tempFolder(), 'aish.db');
  const log = await openExchangeLog(file);
  await log.record(exchange(1));
  await log.close();
  return file;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('pending exchange files', () => {
  it('are written whole and private, and fold into the log in the order they were written, then go', async () => {
    const file = await databaseWithOneExchange();
    const before = readFileSync(file);
    expect(writePendingExchanges(file, [exchange(2), exchange(3)])).toBe(1);
    expect(writePendingExchanges(file, [exchange(4)])).toBe(2);
    // Written beside the database, which is not touched.
    expect(readFileSync(file).equals(before)).toBe(true);
    const folder = pendingFolder(file);
    expect(mode(folder)).toBe(0o700);
    const names = readdirSync(folder);
    expect(names).toHaveLength(2);
    for (const name of names) expect(mode(join(folder, name))).toBe(0o600);
    expect(names.some((name) => name.startsWith('.'))).toBe(false);

    const log = await openExchangeLog(file);
    const found = await log.find();
    expect(found.map((row) => [row.id, row.message])).toEqual([
      [4, 'message 4'],
      [3, 'message 3'],
      [2, 'message 2'],
      [1, 'message 1'],
    ]);
    expect(found[0]).toMatchObject({ ...exchange(4), cache_key: null, cached_from: null, tool_calls: null });
    await log.close();
    expect(readdirSync(folder)).toEqual([]);
    const db = rawConnection(file);
    expect(db.prepare('SELECT count(*) FROM pending_files_folded').pluck().get()).toBe(0);
    db.close();
  });

  it('written while a log is open are folded before its next read', async () => {
    const file = await databaseWithOneExchange();
    const log = await openExchangeLog(file);
    expect(await log.count()).toBe(1);
    writePendingExchanges(file, [exchange(2, { cache_key: 'key-2', cost_usd: 0.5, started_at: Date.now() })]);
    expect((await log.cached('key-2'))?.answer).toBe('answer 2');
    writePendingExchanges(file, [exchange(3, { cost_usd: 0.25, started_at: Date.now() })]);
    expect(await log.spentSince(Date.now() - 60_000)).toBe(0.75);
    expect((await log.get(3))?.message).toBe('message 3');
    await log.close();
  });

  it('a file whose rows were committed but which was not removed is removed, not folded twice', async () => {
    const file = await databaseWithOneExchange();
    writePendingExchanges(file, [exchange(2)]);
    const [name] = readdirSync(pendingFolder(file));
    // As a fold that stopped between its commit and the removal leaves it.
    const db = rawConnection(file);
    db.prepare('INSERT INTO exchanges (started_at, command_line, specialist, message, answer, duration_ms, status) VALUES (1, ?, ?, ?, ?, 1, ?)').run('echo 2 | apollo', 'apollo', 'message 2', 'answer 2', 'ok');
    db.prepare('INSERT INTO pending_files_folded (name) VALUES (?)').run(name);
    db.close();

    const log = await openExchangeLog(file);
    expect((await log.find()).map((row) => row.message)).toEqual(['message 2', 'message 1']);
    await log.close();
    expect(readdirSync(pendingFolder(file))).toEqual([]);
    const after = rawConnection(file);
    expect(after.prepare('SELECT count(*) FROM pending_files_folded').pluck().get()).toBe(0);
    after.close();
  });

  it('one that cannot be read is set aside as it was, and the others fold', async () => {
    const file = await databaseWithOneExchange();
    writePendingExchanges(file, [exchange(2)]);
    const folder = pendingFolder(file);
    writeFileSync(join(folder, '000000000000001-1-000000.json'), '[{"message": "cut sh');
    writePendingExchanges(file, [exchange(3)]);

    const log = await openExchangeLog(file);
    expect((await log.find()).map((row) => row.message)).toEqual(['message 3', 'message 2', 'message 1']);
    await log.close();
    expect(readdirSync(folder)).toEqual(['000000000000001-1-000000.json.unreadable']);
    expect(readFileSync(join(folder, '000000000000001-1-000000.json.unreadable'), 'utf8')).toBe('[{"message": "cut sh');
  });

  it('one whose records the log cannot hold is set aside whole, and the others fold', async () => {
    const file = await databaseWithOneExchange();
    const folder = pendingFolder(file);
    writePendingExchanges(file, [exchange(2)]);
    // A record without its message, and one whose message is not text.
    writeFileSync(join(folder, '000000000000001-1-000000.json'), JSON.stringify([exchange(9), { ...exchange(10), message: undefined }]));
    writeFileSync(join(folder, '000000000000001-1-000001.json'), JSON.stringify([{ ...exchange(11), message: { text: 'x' } }]));
    writePendingExchanges(file, [exchange(3)]);

    const log = await openExchangeLog(file);
    expect((await log.find()).map((row) => row.message)).toEqual(['message 3', 'message 2', 'message 1']);
    await log.close();
    expect(readdirSync(folder).sort()).toEqual(['000000000000001-1-000000.json.unreadable', '000000000000001-1-000001.json.unreadable']);
  });

  it('leave no folder behind for a database that never had one', async () => {
    const file = await databaseWithOneExchange();
    const log = await openExchangeLog(file);
    expect(await log.count()).toBe(1);
    await log.close();
    expect(existsSync(pendingFolder(file))).toBe(false);
  });
});
