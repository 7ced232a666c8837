import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, openExchangeLog, searchExpression, type ExchangeQuery } from '../../src/store/index.js';
import { forEachBackend, loggedExchange as exchange, openStore, rawConnection, STORE_BACKENDS, tempFolder } from './temp-store.js';

forEachBackend((backend) => {
  const open = (location?: string) => openStore(backend, location);

  describe('the exchange log', () => {
    it('opens on its own connection, creating the database, and shares it with the store', async () => {
      const location = await backend.newLocation();
      const log = await openExchangeLog(location);
      const id = await log.record(exchange(1));
      await log.close();
      expect((await (await open(location)).exchanges.get(id))?.message).toBe('message 1');
    });

    it('keeps the tool calls of an exchange as they were given', async () => {
      const log = (await open()).exchanges;
      const calls = JSON.stringify([{ name: 'files.read_text_file', arguments: '{"path":"README.md"}', status: 'ok', bytes: 12, duration_ms: 3 }]);
      const id = await log.record({ ...exchange(1), tool_calls: calls });
      expect((await log.get(id))!.tool_calls).toBe(calls);
    });

    it("keeps what a server's clients spent per day, adding up, apart per client and day", async () => {
      const location = await backend.newLocation();
      const store = await open(location);
      expect(await store.clientSpending('tok:a', '2026-12-05')).toBe(0);
      expect(await store.addClientSpending('tok:a', '2026-12-05', 0.25)).toBeCloseTo(0.25, 12);
      expect(await store.addClientSpending('tok:a', '2026-12-05', 0.5)).toBeCloseTo(0.75, 12);
      await store.addClientSpending('tok:b', '2026-12-05', 1);
      await store.addClientSpending('tok:a', '2026-12-06', 2);
      expect(await (await open(location)).clientSpending('tok:a', '2026-12-05')).toBeCloseTo(0.75, 12);
      expect(await store.clientSpending('tok:b', '2026-12-05')).toBe(1);
    });

    it('writes several exchanges at once, in order, each as record would (a failed one keeps no cache key)', async () => {
      const log = (await open()).exchanges;
      const before = await log.record(exchange(1));
      await log.recordAll([exchange(2, { cache_key: 'k2' }), exchange(3, { status: 'error', error_code: 'TIMEOUT', cache_key: 'k3' })]);
      expect(await log.get(before + 1)).toMatchObject({ message: 'message 2', cache_key: 'k2' });
      expect(await log.get(before + 2)).toMatchObject({ message: 'message 3', status: 'error', cache_key: null });
      expect((await log.cached('k2'))?.answer).toBe('answer 2');
    });

    it('gives each exchange the next id and returns it whole', async () => {
      const log = (await open()).exchanges;
      const first = await log.record(exchange(1, { session_id: 'ses_1', status: 'error', error_code: 'TIMEOUT', tokens_in: null, tokens_out: null, cost_usd: null }));
      const second = await log.record(exchange(2));
      expect(second).toBe(first + 1);
      expect(await log.get(first)).toEqual({ id: first, ...exchange(1, { session_id: 'ses_1', status: 'error', error_code: 'TIMEOUT', tokens_in: null, tokens_out: null, cost_usd: null }), cache_key: null, cached_from: null, tool_calls: null });
      expect(await log.get(999)).toBeUndefined();
    });

    it('never reuses an id, even after the newest exchange is deleted', async () => {
      const location = await backend.newLocation();
      const log = (await open(location)).exchanges;
      await log.record(exchange(1));
      const deleted = await log.record(exchange(2));
      await backend.query(location, `DELETE FROM exchanges WHERE id = ${deleted}`);
      expect(await log.record(exchange(3))).toBe(deleted + 1);
    });

    it('writes no half rows: a refused exchange leaves neither a row nor an index entry', async () => {
      const log = (await open()).exchanges;
      await expect(log.record(exchange(1, { status: 'weird' as 'ok', message: 'zebra' }))).rejects.toThrow();
      expect(await log.count()).toBe(0);
      expect(await log.find({ search: 'zebra' })).toEqual([]);
    });

    it('lists the most recent first, with --limit, --specialist and --since filters', async () => {
      const log = (await open()).exchanges;
      const ids = async (query?: ExchangeQuery) => (await log.find(query)).map((found) => found.id);
      for (let n = 1; n <= 5; n++) await log.record(exchange(n, { specialist: n % 2 ? 'apollo' : 'athena' }));
      expect(await ids()).toEqual([5, 4, 3, 2, 1]);
      expect(await ids({ limit: 2 })).toEqual([5, 4]);
      expect(await ids({ specialist: 'athena' })).toEqual([4, 2]);
      expect(await ids({ since: exchange(3).started_at })).toEqual([5, 4, 3]);
      expect(await ids({ specialist: 'apollo', since: exchange(2).started_at, limit: 1 })).toEqual([5]);
    });

    it('finds exchanges by words in the message or the answer, all words required', async () => {
      const log = (await open()).exchanges;
      const ids = async (query: ExchangeQuery) => (await log.find(query)).map((found) => found.id);
      await log.record(exchange(1, { message: 'find the auth bug in login.ts', answer: 'Look at the session check' }));
      await log.record(exchange(2, { message: 'write a poem about bugs', answer: 'Bugs in the night' }));
      await log.record(exchange(3, { message: 'review this', answer: 'The authentication bug is a missing await' }));
      expect(await ids({ search: 'auth bug' })).toEqual([1]);
      expect(await ids({ search: 'bug' })).toEqual([3, 2, 1]);
      expect(await ids({ search: 'AUTHENTICATION await' })).toEqual([3]);
      expect(await ids({ search: 'auth*' })).toEqual([3, 1]);
      expect(await ids({ search: 'login.ts' })).toEqual([1]);
      expect(await ids({ search: 'bug', specialist: 'athena' })).toEqual([]);
      expect(await ids({ search: 'bug', limit: 1 })).toEqual([3]);
    });

    it('keeps the word index in step when exchanges are deleted or edited behind its back', async () => {
      const location = await backend.newLocation();
      const log = (await open(location)).exchanges;
      await log.record(exchange(1, { message: 'alpha' }));
      await log.record(exchange(2, { message: 'beta' }));
      await backend.query(location, 'DELETE FROM exchanges WHERE id = 1');
      await backend.query(location, "UPDATE exchanges SET message = 'gamma' WHERE id = 2");
      expect(await log.find({ search: 'alpha' })).toEqual([]);
      expect(await log.find({ search: 'beta' })).toEqual([]);
      expect((await log.find({ search: 'gamma' })).map((found) => found.id)).toEqual([2]);
    });

    it('treats search syntax in the search words as text, never as an SQL error', async () => {
      const log = (await open()).exchanges;
      await log.record(exchange(1, { message: 'say "hello" AND goodbye (NOT now) col:umn -x ^y' }));
      for (const words of ['"hello', 'AND', 'OR NOT', 'NEAR(a b)', '(x', 'y)', 'col:umn', '-x', '^y', 'a*b', "'x'", '{x}', 'message:hello', 'a\0b', 'a:*', '!x', 'a & b | c', 'a<->b', "a'b*", 'x\\']) {
        await expect(log.find({ search: words })).resolves.toBeInstanceOf(Array);
      }
      for (const words of ['"', '(', ')', "'", '*', '-']) await expect(log.find({ search: words })).rejects.toThrow(RangeError);
      expect((await log.find({ search: '"hello" AND' })).map((found) => found.id)).toEqual([1]);
      expect((await log.find({ search: 'NOT now' })).map((found) => found.id)).toEqual([1]);
    });

    it('refuses words with nothing to look for', async () => {
      const log = (await open()).exchanges;
      await expect(log.find({ search: '* " -' })).rejects.toThrow(RangeError);
    });

    it('any string of search words is an error-free query or a RangeError (property)', async () => {
      const log = (await open()).exchanges;
      await log.record(exchange(1));
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (words) => {
          try {
            await log.find({ search: words });
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('sums tokens and cost by specialist and model, counting exchanges of unknown cost', async () => {
      const log = (await open()).exchanges;
      await log.record(exchange(1, { tokens_in: 10, tokens_out: 20, cost_usd: 0.25 }));
      await log.record(exchange(2, { tokens_in: 1, tokens_out: 2, cost_usd: 0.5 }));
      await log.record(exchange(3, { specialist: 'athena', model: 'openai/unknown', tokens_in: 7, tokens_out: 8, cost_usd: null }));
      await log.record(exchange(4, { specialist: 'athena', model: 'echo', tokens_in: 3, tokens_out: 4, cost_usd: 0 }));
      expect(await log.costs()).toEqual([
        { specialist: 'apollo', model: 'openai/gpt-4o-mini', exchanges: 2, tokens_in: 11, tokens_out: 22, cost_usd: 0.75, unpriced: 0 },
        { specialist: 'athena', model: 'echo', exchanges: 1, tokens_in: 3, tokens_out: 4, cost_usd: 0, unpriced: 0 },
        { specialist: 'athena', model: 'openai/unknown', exchanges: 1, tokens_in: 7, tokens_out: 8, cost_usd: null, unpriced: 1 },
      ]);
      expect((await log.costs(exchange(2).started_at)).map((row) => row.exchanges)).toEqual([1, 1, 1]);
    });
  });
});

describe('the exchange log on SQLite', () => {
  const sqlite = STORE_BACKENDS.find((backend) => backend.name === 'SQLite')!;
  const open = (location?: string) => openStore(sqlite, location);

  it('is created by migration m003_exchange_log, with its word index', async () => {
    const file = join(tempFolder(), 'aish.db');
    await (await open(file)).close();
    const db = rawConnection(file);
    expect(MIGRATIONS.map((migration) => migration.name)).toContain('m003_exchange_log');
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'exchanges%'").pluck().all();
    expect(names).toEqual(expect.arrayContaining(['exchanges', 'exchanges_fts', 'exchanges_fts_insert', 'exchanges_fts_delete']));
    expect(db.prepare("SELECT sqlite_compileoption_used('ENABLE_FTS5')").pluck().get()).toBe(1);
    db.close();
  });


  it('brings a version-2 database forward, keeping its sessions', async () => {
    const file = join(tempFolder(), 'aish.db');
    const db = rawConnection(file);
    db.transaction(() => {
      db.exec('CREATE TABLE aish_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, applied_at INTEGER NOT NULL)');
      MIGRATIONS.slice(0, 2).forEach((migration, index) => {
        db.exec(migration.sqlite);
        db.prepare('INSERT INTO aish_migrations VALUES (?, ?, 0)').run(index + 1, migration.name);
      });
      db.pragma('user_version = 2');
      db.exec("INSERT INTO sessions (id, specialist_id, context_window, ttl_s, created_at, last_activity, expires_at) VALUES ('s1', 'apollo', 10, 60, 1, 1, 1)");
    })();
    db.close();
    const store = await open(file);
    expect((await store.findSession('s1'))?.specialist_id).toBe('apollo');
    expect(await store.exchanges.record(exchange(1))).toBe(1);
  });

});

describe('search words as an FTS5 expression', () => {
  it('quotes every word and ANDs them', () => {
    expect(searchExpression('auth bug')).toBe('"auth" AND "bug"');
    expect(searchExpression('  say "hi"  ')).toBe('"say" AND """hi"""');
  });

  it('keeps a trailing * as a prefix search and drops words without letters or digits', () => {
    expect(searchExpression('auth* * - bug')).toBe('"auth"* AND "bug"');
    expect(searchExpression('* - "')).toBeUndefined();
  });
});
