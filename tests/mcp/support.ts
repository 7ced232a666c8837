/**
 * MCP clients for the tests: the SDK's own `Client`, connected to the real
 * `bin/aish mcp` over stdio or to a real `aish serve` over Streamable HTTP.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { AISH, testEnv } from '../support/aish.js';

export type ClientOptions = ConstructorParameters<typeof Client>[1];

/** A client connected to `aish GLOBAL… mcp ARGS…` with this HOME. */
export async function stdioClient(home: string, args: string[] = [], options: ClientOptions = {}, global: string[] = []): Promise<Client> {
  const client = new Client({ name: 'aish-tests', version: '1.0.0' }, options);
  const env = Object.fromEntries(Object.entries(testEnv(home)).filter((entry): entry is [string, string] => entry[1] !== undefined));
  await client.connect(new StdioClientTransport({ command: AISH, args: [...global, 'mcp', ...args], env, cwd: home, stderr: 'pipe' }));
  return client;
}

/** A client connected to `URL/mcp`, with a bearer token when given. */
export async function httpClient(url: string, token?: string, options: ClientOptions = {}): Promise<Client> {
  const client = new Client({ name: 'aish-tests', version: '1.0.0' }, options);
  const requestInit = token ? { headers: { authorization: `Bearer ${token}` } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit }));
  return client;
}

/** The text of every text content of a tool result, in order. */
export function texts(result: CallToolResult): string[] {
  return result.content.map((content) => (content.type === 'text' ? content.text : `<${content.type}>`));
}
