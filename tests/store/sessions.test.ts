import { describe, expect, it } from 'vitest';
import { createSession, exchange, expectStoreError, forEachBackend, openStore, type StoreBackend } from './temp-store.js';

/** SQL that makes every later UPDATE of `sessions` fail with 'simulated failure', and the SQL that undoes it. */
const FAILING_SESSION_UPDATES: Record<StoreBackend['name'], { add: string[]; remove: string[] }> = {
  SQLite: {
    add: ["CREATE TRIGGER fail_touch BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"],
    remove: ['DROP TRIGGER fail_touch'],
  },
  PostgreSQL: {
    add: [
      "CREATE FUNCTION fail_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated failure'; END $$",
      'CREATE TRIGGER fail_touch BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION fail_touch()',
    ],
    remove: ['DROP TRIGGER fail_touch ON sessions', 'DROP FUNCTION fail_touch()'],
  },
};

forEachBackend((backend) => {
  const open = (location?: string) => openStore(backend, location);

  describe('creating and finding sessions', () => {
    it('creates a session that expires ttl_s after its creation', async () => {
      const store = await open();
      const session = await store.createSession({
        id: 's1', name: 'project', specialist_id: 'athena', context_window: 4, ttl_s: 60, metadata: { topic: 'parsers', tags: ['a'] }, now: 5_000,
      });
      expect(session).toEqual({
        id: 's1', name: 'project', specialist_id: 'athena', context_window: 4, ttl_s: 60, metadata: { topic: 'parsers', tags: ['a'] },
        created_at: 5_000, last_activity: 5_000, expires_at: 65_000,
      });
      expect(await store.findSession('s1')).toEqual(session);
      expect(await store.findSession('project')).toEqual(session);
    });

    it('gives a session without a name or metadata a null name and empty metadata', async () => {
      const store = await open();
      await createSession(store, 's1');
      expect(await store.findSession('s1')).toMatchObject({ name: null, metadata: {} });
    });

    it('finds nothing for an unknown id or name', async () => {
      expect(await (await open()).findSession('nope')).toBeUndefined();
    });

    it('finds by id before name', async () => {
      const store = await open();
      await createSession(store, 'alpha');
      await createSession(store, 'beta', { name: 'gamma' });
      expect((await store.findSession('alpha'))?.id).toBe('alpha');
      expect((await store.findSession('gamma'))?.id).toBe('beta');
    });

    it('refuses a taken name with NAME_TAKEN and a taken id with ID_TAKEN, writing nothing', async () => {
      const store = await open();
      await createSession(store, 's1', { name: 'project' });
      await expectStoreError(() => createSession(store, 's2', { name: 'project' }), 'NAME_TAKEN', /session name "project" is already taken by session s1/);
      await expectStoreError(() => createSession(store, 's1', { name: 'other' }), 'ID_TAKEN', /a session with id "s1" already exists/);
      expect((await store.listSessions()).map((session) => session.id)).toEqual(['s1']);
      expect(await store.findSession('other')).toBeUndefined();
    });

    it('refuses a name that is another session’s id, and an id that is another session’s name', async () => {
      const store = await open();
      await createSession(store, 's1', { name: 'project' });
      await expectStoreError(() => createSession(store, 's2', { name: 's1' }), 'NAME_TAKEN', /"s1" is already the id of another session/);
      await expectStoreError(() => createSession(store, 'project'), 'ID_TAKEN', /"project" is already the name of session s1/);
    });

    it('lists sessions with their message counts, most recent activity first', async () => {
      const store = await open();
      await createSession(store, 'old', { now: 1_000 });
      await createSession(store, 'new', { name: 'fresh', now: 3_000 });
      await createSession(store, 'busy', { now: 2_000 });
      await store.appendExchange('busy', exchange(1, 9_000));
      expect(await store.listSessions()).toEqual([
        { id: 'busy', name: null, specialist_id: 'apollo', message_count: 2, ttl_s: 3600, created_at: 2_000, last_activity: 9_001, expires_at: 9_001 + 3_600_000 },
        { id: 'new', name: 'fresh', specialist_id: 'apollo', message_count: 0, ttl_s: 3600, created_at: 3_000, last_activity: 3_000, expires_at: 3_000 + 3_600_000 },
        { id: 'old', name: null, specialist_id: 'apollo', message_count: 0, ttl_s: 3600, created_at: 1_000, last_activity: 1_000, expires_at: 1_000 + 3_600_000 },
      ]);
    });

    it('renews a session by id: a fresh expiry from now, with its own ttl_s or a new one', async () => {
      const store = await open();
      await createSession(store, 'short', { ttl_s: 60, now: 1_000 });
      expect(await store.renewSession('short', { now: 500_000 })).toMatchObject({ ttl_s: 60, last_activity: 500_000, expires_at: 560_000 });
      expect(await store.renewSession('short', { now: 600_000, ttl_s: 0 })).toMatchObject({ ttl_s: 0, last_activity: 600_000 });
      expect(await store.findSession('short')).toMatchObject({ ttl_s: 0, last_activity: 600_000 });
      expect(await store.renewSession('nothing', { now: 1 })).toBeUndefined();
    });

    it('opens a named session in one step: the existing one when the name is taken, else a new one', async () => {
      const store = await open();
      const first = await store.openNamedSession({ id: 'ses_a', name: 'shared', specialist_id: 'apollo', context_window: 10, ttl_s: 60, now: 1 });
      const second = await store.openNamedSession({ id: 'ses_b', name: 'shared', specialist_id: 'athena', context_window: 10, ttl_s: 60, now: 2 });
      expect([first.created, second.created, second.session.id]).toEqual([true, false, 'ses_a']);
      expect(await store.listSessions()).toHaveLength(1);
    });

    it('opens one session when many callers open the same new name at once', async () => {
      const location = await backend.newLocation();
      const stores = [await open(location), await open(location)];
      const opened = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          stores[n % 2]!.openNamedSession({ id: `ses_${n}`, name: 'shared', specialist_id: 'apollo', context_window: 10, ttl_s: 60, now: n }),
        ),
      );
      expect(new Set(opened.map((result) => result.session.id)).size).toBe(1);
      expect(opened.filter((result) => result.created)).toHaveLength(1);
      expect(await stores[0]!.listSessions()).toHaveLength(1);
    });

    it('deletes a session by name with its messages and returns what it deleted', async () => {
      const location = await backend.newLocation();
      const store = await open(location);
      const session = await createSession(store, 's1', { name: 'project' });
      await createSession(store, 's2');
      await store.appendExchange('s1', exchange(1));
      await store.appendExchange('s2', exchange(2));
      expect(await store.deleteSession('project')).toEqual({ ...session, last_activity: 2_002, expires_at: 2_002 + 3_600_000 });
      expect(await store.findSession('s1')).toBeUndefined();
      expect(await store.deleteSession('project')).toBeUndefined();
      expect(await backend.query(location, 'SELECT session_id, CAST(count(*) AS INTEGER) AS n FROM messages GROUP BY session_id')).toEqual([{ session_id: 's2', n: 2 }]);
    });

    it('keeps expired sessions: expiry is the caller’s decision', async () => {
      const store = await open();
      await createSession(store, 's1', { ttl_s: 1, now: 0 });
      expect((await store.findSession('s1'))?.expires_at).toBe(1_000);
      expect(await store.listSessions()).toHaveLength(1);
    });
  });

  describe('appending exchanges', () => {
    it('stores both messages with their tokens and moves last_activity and expires_at', async () => {
      const store = await open();
      await createSession(store, 's1', { ttl_s: 60 });
      expect(await store.appendExchange('s1', exchange(1, 10_000))).toEqual({ message_count: 2 });
      expect(await store.appendExchange('s1', exchange(2, 20_000))).toEqual({ message_count: 4 });
      expect(await store.messages('s1')).toEqual([
        { role: 'user', content: 'q1', timestamp: 10_000, tokens_input: 1, tokens_output: null, specialist_id: null },
        { role: 'assistant', content: 'a1', timestamp: 10_001, tokens_input: null, tokens_output: 10, specialist_id: 'apollo' },
        { role: 'user', content: 'q2', timestamp: 20_000, tokens_input: 2, tokens_output: null, specialist_id: null },
        { role: 'assistant', content: 'a2', timestamp: 20_001, tokens_input: null, tokens_output: 20, specialist_id: 'apollo' },
      ]);
      expect(await store.findSession('s1')).toMatchObject({ created_at: 1_000, last_activity: 20_001, expires_at: 80_001 });
    });

    it('keeps times beyond 32 bits: a session living 30 days takes exchanges and renews', async () => {
      const store = await open();
      const month = 30 * 86_400;
      const now = Date.UTC(2026, 11, 5);
      await createSession(store, 's1', { ttl_s: month, now });
      await store.appendExchange('s1', exchange(1, now + 10));
      expect(await store.findSession('s1')).toMatchObject({ last_activity: now + 11, expires_at: now + 11 + month * 1000 });
      expect(await store.renewSession('s1', { now: now + 20, ttl_s: 2 * month })).toMatchObject({ expires_at: now + 20 + 2 * month * 1000 });
      expect((await store.messages('s1'))[0]?.timestamp).toBe(now + 10);
    });

    it('stores missing token counts as null', async () => {
      const store = await open();
      await createSession(store, 's1');
      await store.appendExchange('s1', {
        user: { content: 'hi', timestamp: 1 }, assistant: { content: 'hello', timestamp: 2, specialist_id: 'athena' }, now: 2,
      });
      expect((await store.messages('s1')).map(({ tokens_input, tokens_output }) => [tokens_input, tokens_output])).toEqual([[null, null], [null, null]]);
    });

    it('refuses an unknown session with SESSION_NOT_FOUND', async () => {
      const store = await open();
      await expectStoreError(() => store.appendExchange('nope', exchange(1)), 'SESSION_NOT_FOUND', /no session with id "nope"/);
    });

    it('writes nothing when the transaction fails after both messages were inserted', async () => {
      const location = await backend.newLocation();
      const store = await open(location);
      const session = await createSession(store, 's1');
      await store.appendExchange('s1', exchange(1));
      const before = await store.findSession('s1');
      // The session update is the last statement of appendExchange: failing it must undo the two inserts.
      const failing = FAILING_SESSION_UPDATES[backend.name];
      for (const sql of failing.add) await backend.query(location, sql);
      await expect(store.appendExchange('s1', exchange(2))).rejects.toThrow(/simulated failure/);
      for (const sql of failing.remove) await backend.query(location, sql);
      expect((await store.messages('s1')).map((message) => message.content)).toEqual(['q1', 'a1']);
      expect(await store.findSession('s1')).toEqual(before);
      expect(before?.created_at).toBe(session.created_at);
      expect(await store.appendExchange('s1', exchange(3))).toEqual({ message_count: 4 });
    });

    it('writes nothing when the assistant message cannot be stored', async () => {
      const store = await open();
      await createSession(store, 's1');
      const broken = exchange(1);
      broken.assistant.content = null as unknown as string;
      await expect(store.appendExchange('s1', broken)).rejects.toThrow(/NOT NULL|not-null/);
      expect(await store.messages('s1')).toEqual([]);
      expect((await store.findSession('s1'))?.last_activity).toBe(1_000);
    });

    it('stores exactly 100 messages in question/answer pairs when 50 appends to one session run at once', async () => {
      const location = await backend.newLocation();
      const stores = [await open(location), await open(location)];
      await createSession(stores[0]!, 's1');
      const counts = await Promise.all(Array.from({ length: 50 }, (_, n) => stores[n % 2]!.appendExchange('s1', exchange(n))));
      const messages = await stores[1]!.messages('s1');
      expect(messages).toHaveLength(100);
      for (let i = 0; i < messages.length; i += 2) {
        expect([messages[i]!.role, messages[i + 1]!.role]).toEqual(['user', 'assistant']);
        expect(messages[i + 1]!.content).toBe(messages[i]!.content.replace(/^q/, 'a'));
      }
      // Each append saw a distinct, growing count: no two transactions overlapped.
      expect(counts.map((count) => count.message_count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * (i + 1)));
    });
  });

  describe('reading the last exchanges', () => {
    it('returns all messages, or those of the last N exchanges, oldest first', async () => {
      const store = await open();
      await createSession(store, 's1');
      for (let n = 1; n <= 5; n++) await store.appendExchange('s1', exchange(n));
      const contents = async (last?: number) => (await store.messages('s1', last)).map((message) => message.content);
      expect(await contents()).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a3', 'q4', 'a4', 'q5', 'a5']);
      expect(await contents(0)).toEqual(await contents());
      expect(await contents(1)).toEqual(['q5', 'a5']);
      expect(await contents(2)).toEqual(['q4', 'a4', 'q5', 'a5']);
      expect(await contents(5)).toEqual(await contents());
      expect(await contents(50)).toEqual(await contents());
    });

    it('counts an exchange from each user message, whatever surrounds it', async () => {
      const store = await open();
      await store.importSession({
        format: 'aish-session', version: 1,
        session: { id: 's1', name: null, specialist_id: 'apollo', context_window: 2, ttl_s: 60, metadata: {}, created_at: 1, last_activity: 1, expires_at: 60_001 },
        messages: [
          { role: 'assistant', content: 'welcome', timestamp: 1 },
          { role: 'user', content: 'q1', timestamp: 2 },
          { role: 'assistant', content: 'a1', timestamp: 3 },
          { role: 'user', content: 'q2 (unanswered)', timestamp: 4 },
        ],
      });
      const contents = async (last: number) => (await store.messages('s1', last)).map((message) => message.content);
      expect(await contents(1)).toEqual(['q2 (unanswered)']);
      expect(await contents(2)).toEqual(['q1', 'a1', 'q2 (unanswered)']);
      expect(await contents(3)).toEqual(['welcome', 'q1', 'a1', 'q2 (unanswered)']);
    });

    it('returns no messages for an unknown session', async () => {
      expect(await (await open()).messages('nope', 3)).toEqual([]);
    });
  });
});
