/**
 * `aish mcp list [--json]`: the MCP servers of the config (`mcp_servers:`), each
 * started to see whether it starts and what tools it has, then stopped. Status 0
 * when every server started, 2 when one did not (as a call needing it would fail).
 */
import { stateFolder } from '../config/paths.js';
import { McpClients, type McpServerSettings, type McpTool } from '../mcp/client.js';
import { localConfig } from './specialists.js';

/** One server as `--json` shows it. */
export interface ServerListing {
  name: string;
  command?: string;
  args?: string[];
  url?: string;
  started: boolean;
  /** Why it did not start. */
  error?: string;
  tools: { name: string; description?: string; input_schema: Record<string, unknown> }[];
}

export async function listMcpServers(json: boolean, out: (text: string) => void): Promise<number> {
  const config = await localConfig();
  const clients = new McpClients(config.mcp_servers, { logFolder: stateFolder() });
  try {
    const listings = await Promise.all(clients.names().map((name) => listing(clients, name, config.mcp_servers[name]!)));
    if (json) out(JSON.stringify({ servers: listings }) + '\n');
    else if (listings.length === 0) out('no MCP servers are configured (mcp_servers in the config: see docs/tools.md)\n');
    else out(listings.map(listingText).join(''));
    return listings.every((server) => server.started) ? 0 : 2;
  } finally {
    await clients.close();
  }
}

async function listing(clients: McpClients, name: string, settings: McpServerSettings): Promise<ServerListing> {
  const where = 'url' in settings ? { url: settings.url } : { command: settings.command, args: settings.args ?? [] };
  try {
    const tools = await clients.tools(name);
    return { name, ...where, started: true, tools: tools.map(toolListing) };
  } catch (error) {
    return { name, ...where, started: false, error: error instanceof Error ? error.message : String(error), tools: [] };
  }
}

function toolListing(tool: McpTool): ServerListing['tools'][number] {
  return { name: `${tool.server}.${tool.name}`, ...(tool.description !== undefined && { description: tool.description }), input_schema: tool.inputSchema };
}

/** `files  npx -y …  started, 14 tools`, then a line per tool with the first line of its description. */
function listingText(server: ServerListing): string {
  const where = server.url ?? [server.command, ...(server.args ?? [])].join(' ');
  const state = server.started ? `started, ${server.tools.length} tool${server.tools.length === 1 ? '' : 's'}` : `did not start: ${server.error}`;
  const width = Math.max(0, ...server.tools.map((tool) => tool.name.length));
  const tools = server.tools.map((tool) => `  ${tool.name.padEnd(width)}  ${firstLine(tool.description ?? '')}`.trimEnd() + '\n');
  return `${server.name}  ${where}  ${state}\n${tools.join('')}`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}
