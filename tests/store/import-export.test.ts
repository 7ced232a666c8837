import { describe, expect, it } from 'vitest';
import { StoreError, type AishStore, type SessionExport } from '../../src/store/index.js';
import { createSession, exchange, forEachBackend, openStore } from './temp-store.js';

/** The export of s1, through JSON as it would travel through a file. */
async function exported(store: AishStore): Promise<SessionExport> {
  return JSON.parse(JSON.stringify(await store.exportSession('project'))) as SessionExport;
}

async function importError(store: AishStore, data: unknown, force = false): Promise<StoreError> {
  try {
    await store.importSession(data, { force });
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('the import was accepted');
}

forEachBackend((backend) => {
  const open = () => openStore(backend);

  async function seeded(): Promise<AishStore> {
    const store = await open();
    await store.createSession({ id: 's1', name: 'project', specialist_id: 'athena', context_window: 3, ttl_s: 120, metadata: { topic: 'x' }, now: 1_000 });
    for (let n = 1; n <= 3; n++) await store.appendExchange('s1', exchange(n));
    return store;
  }

  describe('exporting and importing sessions', () => {
    it('exports a session with all its messages', async () => {
      const store = await seeded();
      const document = await store.exportSession('s1');
      expect(document).toMatchObject({ format: 'aish-session', version: 1, session: await store.findSession('s1') });
      expect(document?.messages).toEqual(await store.messages('s1'));
      expect(await store.exportSession('nope')).toBeUndefined();
    });

    it('imports an export into another database as it was', async () => {
      const document = await exported(await seeded());
      const other = await open();
      expect(await other.importSession(document, {})).toEqual(document.session);
      expect(await other.exportSession('s1')).toEqual(document);
    });

    it('round-trips through delete and import, and appends continue the sequence', async () => {
      const store = await seeded();
      const document = await exported(store);
      await store.deleteSession('s1');
      await store.importSession(document, {});
      expect(await store.exportSession('s1')).toEqual(document);
      expect(await store.appendExchange('s1', exchange(4))).toEqual({ message_count: 8 });
      expect((await store.messages('s1', 1)).map((message) => message.content)).toEqual(['q4', 'a4']);
    });

    it('refuses an existing id with ID_TAKEN and changes nothing', async () => {
      const store = await seeded();
      const before = await exported(store);
      const changed = { ...before, messages: [] };
      const error = await importError(store, changed);
      expect(error.code).toBe('ID_TAKEN');
      expect(error.message).toBe('a session with id "s1" already exists');
      expect(await exported(store)).toEqual(before);
    });

    it('replaces an existing session and its messages with force', async () => {
      const store = await seeded();
      const before = await exported(store);
      const replacement: SessionExport = {
        ...before,
        session: { ...before.session, name: 'renamed', specialist_id: 'hermes' },
        messages: [{ role: 'user', content: 'only', timestamp: 5, tokens_input: null, tokens_output: null, specialist_id: null }],
      };
      await store.importSession(replacement, { force: true });
      expect(await store.exportSession('s1')).toEqual(replacement);
      expect(await store.findSession('project')).toBeUndefined();
      expect(await store.listSessions()).toHaveLength(1);
    });

    it('refuses a name taken by another session with NAME_TAKEN, even with force', async () => {
      const store = await seeded();
      const document = await exported(store);
      const copy = { ...document, session: { ...document.session, id: 's2' } };
      for (const force of [false, true]) {
        const error = await importError(store, copy, force);
        expect(error.code).toBe('NAME_TAKEN');
        expect(error.message).toMatch(/session name "project" is already taken by session s1/);
      }
      expect(await store.findSession('s2')).toBeUndefined();
    });

    it('imports under a new id when the name is free', async () => {
      const store = await seeded();
      const document = await exported(store);
      await createSession(store, 'other');
      await store.importSession({ ...document, session: { ...document.session, id: 's2', name: null } }, {});
      expect(await store.messages('s2')).toEqual(await store.messages('s1'));
    });
  });

  describe('refusing documents that are not session exports', () => {
    const valid = async (): Promise<SessionExport> => exported(await seeded());
    const cases: Array<[string, (document: SessionExport) => unknown, string, RegExp]> = [
      ['a list instead of a document', () => [], 'document', /expected a JSON object, got a list/],
      ['another format', (document) => ({ ...document, format: 'chat-log' }), 'format', /expected "aish-session", got "chat-log"/],
      ['a later version', (document) => ({ ...document, version: 2 }), 'version', /expected 1 .*, got 2/],
      ['no session', (document) => ({ ...document, session: undefined }), 'session', /expected a JSON object, got nothing/],
      ['an empty id', (document) => ({ ...document, session: { ...document.session, id: '' } }), 'session.id', /expected a non-empty string, got ""/],
      ['a negative context window', (document) => ({ ...document, session: { ...document.session, context_window: -1 } }), 'session.context_window', /expected a whole number ≥ 0, got -1/],
      ['a list as metadata', (document) => ({ ...document, session: { ...document.session, metadata: [] } }), 'session.metadata', /got a list/],
      ['a text ttl', (document) => ({ ...document, session: { ...document.session, ttl_s: '60' } }), 'session.ttl_s', /got "60"/],
      ['messages that are not a list', (document) => ({ ...document, messages: {} }), 'messages', /expected a list, got an object/],
      ['a system message', (document) => ({ ...document, messages: [document.messages[0], { ...document.messages[1], role: 'system' }] }), 'messages[1].role', /expected "user" or "assistant", got "system"/],
      ['a number as content', (document) => ({ ...document, messages: [{ ...document.messages[0], content: 5 }] }), 'messages[0].content', /expected a string, got 5/],
      ['fractional tokens', (document) => ({ ...document, messages: [{ ...document.messages[0], tokens_input: 1.5 }] }), 'messages[0].tokens_input', /got 1.5/],
    ];

    it.each(cases)('refuses %s with BAD_IMPORT naming the field', async (_, change, field, message) => {
      const store = await open();
      const error = await importError(store, change(await valid()));
      expect(error.code).toBe('BAD_IMPORT');
      expect(error.field).toBe(field);
      expect(error.message).toContain(`not a session export: ${field}: `);
      expect(error.message).toMatch(message);
      expect(await store.listSessions()).toEqual([]);
    });
  });
});
