/**
 * `mcp_servers:` in config.yaml (docs/tools.md): the MCP servers specialists' tools
 * come from. Each is a command aish starts (`command`, `args`, `env`, `cwd`: stdio)
 * or a URL it connects to (`url`, `headers`: Streamable HTTP); strings take `${NAME}`
 * as everywhere in the file.
 */
import type { Entry, YamlSource } from './yaml-source.js';

/** One server as the file gives it (the shape src/mcp's client takes). */
export type McpServerFields = { command: string; args?: string[]; env?: Record<string, string>; cwd?: string } | { url: string; headers?: Record<string, string> };

/** Server names: what goes before the dot of `SERVER.TOOL`, and into `mcp-SERVER.log`. */
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*(_[A-Za-z0-9-]+)*$/;

const STDIO_FIELDS = ['command', 'args', 'env', 'cwd'];
const HTTP_FIELDS = ['url', 'headers'];

/** Reads `mcp_servers:`; problems go to `source.problems` and the server is left out. */
export function readMcpServers(source: YamlSource, entry: Entry): Record<string, McpServerFields> {
  const servers: Record<string, McpServerFields> = {};
  for (const server of source.entries(entry.value, entry.key, entry.keyNode) ?? []) {
    if (!SERVER_NAME.test(server.name)) {
      source.report(server.key, `${JSON.stringify(server.name)} is not a valid MCP server name (letters, digits, - and single _; tools are named SERVER.TOOL)`, server.keyNode);
      continue;
    }
    const read = readServer(source, server);
    if (read) servers[server.name] = read;
  }
  return servers;
}

function readServer(source: YamlSource, server: Entry): McpServerFields | undefined {
  const fields = source.entries(server.value, server.key, server.keyNode);
  if (fields === undefined) return undefined;
  const has = (name: string): boolean => fields.some((field) => field.name === name);
  if (has('command') === has('url')) {
    source.report(server.key, has('url') ? 'give command (a server aish starts) or url (one it connects to), not both' : 'expected command (a server aish starts) or url (one it connects to)', server.keyNode);
    return undefined;
  }
  const known = source.knownEntries(fields, has('url') ? HTTP_FIELDS : STDIO_FIELDS, has('url') ? 'unknown key for a server at a url' : 'unknown key for a server aish starts');
  const problems = source.problems.length;
  const text: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const maps: Record<string, Record<string, string>> = {};
  for (const field of known) {
    if (field.name === 'args') lists.args = source.items(field.value, field.key, field.keyNode)?.map((item) => item.value) ?? [];
    else if (field.name === 'env' || field.name === 'headers') maps[field.name] = readStrings(source, field);
    else {
      const value = source.string(field.value, field.key, field.keyNode);
      if (value === undefined) source.report(field.key, 'expected a non-empty string', field.keyNode);
      else text[field.name] = value;
    }
  }
  if (text.url !== undefined && !/^https?:\/\/[^\s]+$/i.test(text.url)) source.report(`${server.key}.url`, `expected an http:// or https:// URL, got ${JSON.stringify(text.url)}`, server.keyNode);
  if (source.problems.length > problems) return undefined;
  if (text.url !== undefined) return { url: text.url, ...(maps.headers && { headers: maps.headers }) };
  return { command: text.command!, ...(lists.args && { args: lists.args }), ...(maps.env && { env: maps.env }), ...(text.cwd !== undefined && { cwd: text.cwd }) };
}

/** A mapping of names to strings (`env:`, `headers:`); an empty value is an empty string. */
function readStrings(source: YamlSource, field: Entry): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of source.entries(field.value, field.key, field.keyNode) ?? []) out[entry.name] = source.string(entry.value, entry.key, entry.keyNode) ?? '';
  return out;
}
