/** `aish serve` flags for limits and storage: --max-body, config server.*, --db, and bad values. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAish, tempHome, writeConfig } from '../support/aish.js';
import { call } from '../faults/support/misbehaving-client.js';
import { startServeWith } from '../faults/support/serve-process.js';

describe('aish serve --max-body', () => {
  it('answers 413 PAYLOAD_TOO_LARGE above the flag, and takes bodies under it', async () => {
    const server = await startServeWith(['--max-body', '200']);
    try {
      const big = await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: 'x'.repeat(300) }) });
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { max_body: 200 } });
      const small = await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: 'hi' }) });
      expect(small.status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('takes server.max_body and server.max_bulk_operations from the config', async () => {
    const home = tempHome();
    writeConfig(home, 'server:\n  max_body: 150\n  max_bulk_operations: 2\n');
    const server = await startServeWith([], { home });
    try {
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: 'x'.repeat(200) }) })).status).toBe(413);
      const operations = ['a', 'b', 'c'].map((id) => ({ id, ai: 'apollo', message: id }));
      const bulk = await call(server.url, 'POST', '/api/v2/bulk', { body: JSON.stringify({ operations }) });
      expect(bulk.status).toBe(413);
      expect(JSON.parse(bulk.body).error.details).toEqual({ count: 3, max_operations: 2 });
    } finally {
      await server.stop();
    }
  });
});

describe('aish serve with bad limit values', () => {
  it('names the flag and the value, and exits 1 without listening', async () => {
    for (const [flag, value] of [
      ['--rate-limit', '-1'],
      ['--rate-limit', 'lots'],
      ['--max-streams', '0'],
      ['--max-body', '1.5'],
      ['--port', '70000'],
    ] as const) {
      const result = await runAish(['serve', '--port', '0', flag, value]);
      expect({ flag, status: result.status }).toEqual({ flag, status: 1 });
      expect(result.stderr).toContain(`aish: serve: ${flag} needs`);
      expect(result.stderr).toContain(`'${value}'`);
      expect(result.stderr).not.toContain('serving');
    }
  });

  it('reports a bad server: section in the config with its line', async () => {
    const home = tempHome();
    writeConfig(home, 'server:\n  max_bulk_operations: 5000\n');
    const result = await runAish(['serve', '--port', '0'], { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config.yaml:2: server.max_bulk_operations: expected a whole number of operations from 1 to 1000, got 5000');
  });
});

describe('aish serve --db', () => {
  it('keeps sessions in the database file it names, created at start', async () => {
    const home = tempHome();
    const file = join(home, 'elsewhere', 'served.db');
    mkdirSync(join(home, 'elsewhere'));
    const server = await startServeWith(['--db', file], { home });
    try {
      expect(existsSync(file)).toBe(true);
      const created = await call(server.url, 'POST', '/api/v2/sessions', { body: JSON.stringify({ specialist_id: 'apollo', name: 'kept' }) });
      expect(created.status).toBe(201);
    } finally {
      await server.stop();
    }
    const again = await startServeWith(['--db', file], { home });
    try {
      const found = await call(again.url, 'GET', '/api/v2/sessions/kept');
      expect(found.status).toBe(200);
    } finally {
      await again.stop();
    }
    expect(existsSync(join(home, 'aish.db'))).toBe(false);
  });

  it('stops at start with the file named when the database cannot be opened', async () => {
    const home = tempHome();
    const file = join(home, 'not-a-db.db');
    writeFileSync(file, 'this is not SQLite, it is a plain text file that is long enough to have a header. '.repeat(20));
    const result = await runAish(['serve', '--port', '0', '--db', file], { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).not.toContain('serving');
  });
});
