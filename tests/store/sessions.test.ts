import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError, type StoreErrorCode } from '../../src/store/index.js';
import { createSession, exchange, openStore, rawConnection, tempFolder } from './temp-store.js';

function expectStoreError(run: () => unknown, code: StoreErrorCode, message: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    expect((error as StoreError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('creating and finding sessions', () => {
  it('creates a session that expires ttl_s after its creation', () => {
    const store = openStore();
    const session = store.createSession({
      id: 's1', name: 'project', specialist_id: 'athena', context_window: 4, ttl_s: 60, metadata: { topic: 'parsers', tags: ['a'] }, now: 5_000,
    });
    expect(session).toEqual({
      id: 's1', name: 'project', specialist_id: 'athena', context_window: 4, ttl_s: 60, metadata: { topic: 'parsers', tags: ['a'] },
      created_at: 5_000, last_activity: 5_000, expires_at: 65_000,
    });
    expect(store.findSession('s1')).toEqual(session);
    expect(store.findSession('project')).toEqual(session);
  });

  it('gives a session without a name or metadata a null name and empty metadata', () => {
    const store = openStore();
    createSession(store, 's1');
    expect(store.findSession('s1')).toMatchObject({ name: null, metadata: {} });
  });

  it('finds nothing for an unknown id or name', () => {
    expect(openStore().findSession('nope')).toBeUndefined();
  });

  it('finds by id before name', () => {
    const store = openStore();
    createSession(store, 'alpha');
    createSession(store, 'beta', { name: 'gamma' });
    expect(store.findSession('alpha')?.id).toBe('alpha');
    expect(store.findSession('gamma')?.id).toBe('beta');
  });

  it('refuses a taken name with NAME_TAKEN and a taken id with ID_TAKEN, writing nothing', () => {
    const store = openStore();
    createSession(store, 's1', { name: 'project' });
    expectStoreError(() => createSession(store, 's2', { name: 'project' }), 'NAME_TAKEN', /session name "project" is already taken by session s1/);
    expectStoreError(() => createSession(store, 's1', { name: 'other' }), 'ID_TAKEN', /a session with id "s1" already exists/);
    expect(store.listSessions().map((session) => session.id)).toEqual(['s1']);
    expect(store.findSession('other')).toBeUndefined();
  });

  it('refuses a name that is another session’s id, and an id that is another session’s name', () => {
    const store = openStore();
    createSession(store, 's1', { name: 'project' });
    expectStoreError(() => createSession(store, 's2', { name: 's1' }), 'NAME_TAKEN', /"s1" is already the id of another session/);
    expectStoreError(() => createSession(store, 'project'), 'ID_TAKEN', /"project" is already the name of session s1/);
  });

  it('lists sessions with their message counts, most recent activity first', () => {
    const store = openStore();
    createSession(store, 'old', { now: 1_000 });
    createSession(store, 'new', { name: 'fresh', now: 3_000 });
    createSession(store, 'busy', { now: 2_000 });
    store.appendExchange('busy', exchange(1, 9_000));
    expect(store.listSessions()).toEqual([
      { id: 'busy', name: null, specialist_id: 'apollo', message_count: 2, ttl_s: 3600, created_at: 2_000, last_activity: 9_001, expires_at: 9_001 + 3_600_000 },
      { id: 'new', name: 'fresh', specialist_id: 'apollo', message_count: 0, ttl_s: 3600, created_at: 3_000, last_activity: 3_000, expires_at: 3_000 + 3_600_000 },
      { id: 'old', name: null, specialist_id: 'apollo', message_count: 0, ttl_s: 3600, created_at: 1_000, last_activity: 1_000, expires_at: 1_000 + 3_600_000 },
    ]);
  });

  it('renews a session by id: a fresh expiry from now, with its own ttl_s or a new one', () => {
    const store = openStore();
    createSession(store, 'short', { ttl_s: 60, now: 1_000 });
    expect(store.renewSession('short', { now: 500_000 })).toMatchObject({ ttl_s: 60, last_activity: 500_000, expires_at: 560_000 });
    expect(store.renewSession('short', { now: 600_000, ttl_s: 0 })).toMatchObject({ ttl_s: 0, last_activity: 600_000 });
    expect(store.findSession('short')).toMatchObject({ ttl_s: 0, last_activity: 600_000 });
    expect(store.renewSession('nothing', { now: 1 })).toBeUndefined();
  });

  it('opens a named session in one step: the existing one when the name is taken, else a new one', () => {
    const store = openStore();
    const first = store.openNamedSession({ id: 'ses_a', name: 'shared', specialist_id: 'apollo', context_window: 10, ttl_s: 60, now: 1 });
    const second = store.openNamedSession({ id: 'ses_b', name: 'shared', specialist_id: 'athena', context_window: 10, ttl_s: 60, now: 2 });
    expect([first.created, second.created, second.session.id]).toEqual([true, false, 'ses_a']);
    expect(store.listSessions()).toHaveLength(1);
  });

  it('deletes a session by name with its messages and returns what it deleted', () => {
    const file = join(tempFolder(), 'aish.db');
    const store = openStore(file);
    const session = createSession(store, 's1', { name: 'project' });
    createSession(store, 's2');
    store.appendExchange('s1', exchange(1));
    store.appendExchange('s2', exchange(2));
    expect(store.deleteSession('project')).toEqual({ ...session, last_activity: 2_002, expires_at: 2_002 + 3_600_000 });
    expect(store.findSession('s1')).toBeUndefined();
    expect(store.deleteSession('project')).toBeUndefined();
    const db = rawConnection(file);
    expect(db.prepare('SELECT session_id, count(*) AS n FROM messages GROUP BY session_id').all()).toEqual([{ session_id: 's2', n: 2 }]);
    db.close();
  });

  it('keeps expired sessions: expiry is the caller’s decision', () => {
    const store = openStore();
    createSession(store, 's1', { ttl_s: 1, now: 0 });
    expect(store.findSession('s1')?.expires_at).toBe(1_000);
    expect(store.listSessions()).toHaveLength(1);
  });
});

describe('appending exchanges', () => {
  it('stores both messages with their tokens and moves last_activity and expires_at', () => {
    const store = openStore();
    createSession(store, 's1', { ttl_s: 60 });
    expect(store.appendExchange('s1', exchange(1, 10_000))).toEqual({ message_count: 2 });
    expect(store.appendExchange('s1', exchange(2, 20_000))).toEqual({ message_count: 4 });
    expect(store.messages('s1')).toEqual([
      { role: 'user', content: 'q1', timestamp: 10_000, tokens_input: 1, tokens_output: null, specialist_id: null },
      { role: 'assistant', content: 'a1', timestamp: 10_001, tokens_input: null, tokens_output: 10, specialist_id: 'apollo' },
      { role: 'user', content: 'q2', timestamp: 20_000, tokens_input: 2, tokens_output: null, specialist_id: null },
      { role: 'assistant', content: 'a2', timestamp: 20_001, tokens_input: null, tokens_output: 20, specialist_id: 'apollo' },
    ]);
    expect(store.findSession('s1')).toMatchObject({ created_at: 1_000, last_activity: 20_001, expires_at: 80_001 });
  });

  it('stores missing token counts as null', () => {
    const store = openStore();
    createSession(store, 's1');
    store.appendExchange('s1', {
      user: { content: 'hi', timestamp: 1 }, assistant: { content: 'hello', timestamp: 2, specialist_id: 'athena' }, now: 2,
    });
    expect(store.messages('s1').map(({ tokens_input, tokens_output }) => [tokens_input, tokens_output])).toEqual([[null, null], [null, null]]);
  });

  it('refuses an unknown session with SESSION_NOT_FOUND', () => {
    expectStoreError(() => openStore().appendExchange('nope', exchange(1)), 'SESSION_NOT_FOUND', /no session with id "nope"/);
  });

  it('writes nothing when the transaction fails after both messages were inserted', () => {
    const file = join(tempFolder(), 'aish.db');
    const store = openStore(file);
    const session = createSession(store, 's1');
    store.appendExchange('s1', exchange(1));
    const before = store.findSession('s1');
    const db = rawConnection(file);
    // The session update is the last statement of appendExchange: failing it must undo the two inserts.
    db.exec("CREATE TRIGGER fail_touch BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END");
    expect(() => store.appendExchange('s1', exchange(2))).toThrow(/simulated failure/);
    db.exec('DROP TRIGGER fail_touch');
    db.close();
    expect(store.messages('s1').map((message) => message.content)).toEqual(['q1', 'a1']);
    expect(store.findSession('s1')).toEqual(before);
    expect(before?.created_at).toBe(session.created_at);
    expect(store.appendExchange('s1', exchange(3))).toEqual({ message_count: 4 });
  });

  it('writes nothing when the assistant message cannot be stored', () => {
    const store = openStore();
    createSession(store, 's1');
    const broken = exchange(1);
    broken.assistant.content = null as unknown as string;
    expect(() => store.appendExchange('s1', broken)).toThrow(/NOT NULL/);
    expect(store.messages('s1')).toEqual([]);
    expect(store.findSession('s1')?.last_activity).toBe(1_000);
  });

  it('rolls back store calls made inside a failed transaction', () => {
    const store = openStore();
    createSession(store, 's1');
    expect(() =>
      store.transaction(() => {
        createSession(store, 's2');
        store.appendExchange('s1', exchange(1));
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(store.findSession('s2')).toBeUndefined();
    expect(store.messages('s1')).toEqual([]);
  });
});

describe('reading the last exchanges', () => {
  it('returns all messages, or those of the last N exchanges, oldest first', () => {
    const store = openStore();
    createSession(store, 's1');
    for (let n = 1; n <= 5; n++) store.appendExchange('s1', exchange(n));
    const contents = (last?: number) => store.messages('s1', last).map((message) => message.content);
    expect(contents()).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a3', 'q4', 'a4', 'q5', 'a5']);
    expect(contents(0)).toEqual(contents());
    expect(contents(1)).toEqual(['q5', 'a5']);
    expect(contents(2)).toEqual(['q4', 'a4', 'q5', 'a5']);
    expect(contents(5)).toEqual(contents());
    expect(contents(50)).toEqual(contents());
  });

  it('counts an exchange from each user message, whatever surrounds it', () => {
    const store = openStore();
    store.importSession({
      format: 'aish-session', version: 1,
      session: { id: 's1', name: null, specialist_id: 'apollo', context_window: 2, ttl_s: 60, metadata: {}, created_at: 1, last_activity: 1, expires_at: 60_001 },
      messages: [
        { role: 'assistant', content: 'welcome', timestamp: 1 },
        { role: 'user', content: 'q1', timestamp: 2 },
        { role: 'assistant', content: 'a1', timestamp: 3 },
        { role: 'user', content: 'q2 (unanswered)', timestamp: 4 },
      ],
    });
    const contents = (last: number) => store.messages('s1', last).map((message) => message.content);
    expect(contents(1)).toEqual(['q2 (unanswered)']);
    expect(contents(2)).toEqual(['q1', 'a1', 'q2 (unanswered)']);
    expect(contents(3)).toEqual(['welcome', 'q1', 'a1', 'q2 (unanswered)']);
  });

  it('returns no messages for an unknown session', () => {
    expect(openStore().messages('nope', 3)).toEqual([]);
  });
});
