import { createConnection } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshPostgresDatabase, hasPostgres, hasRedis, postgresServerUrl, redisUrl } from './engines.js';

describe.skipIf(!hasPostgres)('the test PostgreSQL server', () => {
  it('answers on loopback, and gives each test a database of its own', { timeout: 60_000 }, async () => {
    expect(new URL(await postgresServerUrl()).hostname).toBe('127.0.0.1');
    const first = await freshPostgresDatabase();
    const second = await freshPostgresDatabase();
    expect(first).not.toBe(second);
    const client = new pg.Client({ connectionString: first });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>('SELECT current_database() AS name');
      expect(`/${result.rows[0]!.name}`).toBe(new URL(first).pathname);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(!hasRedis)('the test Redis server', () => {
  it('answers PING on loopback', { timeout: 60_000 }, async () => {
    const url = new URL(await redisUrl());
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () => socket.write('PING\r\n'));
      socket.once('data', (chunk) => {
        resolve(String(chunk));
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(answer).toBe('+PONG\r\n');
  });
});
