/**
 * aish as an MCP server, on the official SDK: one factory builds an
 * `McpServer` with aish's tools, prompts and resources; `serveMcpOverStdio`
 * serves it to one client over stdin/stdout (`aish mcp`) and
 * `mcpHttpHandler` answers Streamable HTTP requests statelessly (`/mcp` on
 * `aish serve`: a fresh instance per request, so any replica can answer).
 */
import { createMcpHandler, McpServer, type McpHttpHandler, type RegisteredTool } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { MCP_SERVER_INFO, type McpBackend } from './backend.js';
import { registerPrompts, registerSessions } from './prompts-and-sessions.js';
import { registerTools } from './tools.js';

const INSTRUCTIONS =
  'aish runs named AI specialists. Call a specialist by its tool to ask it, `route` to ask the best one for a capability, ' +
  '`broadcast` to ask several at once, and `run_pipeline` to run an aish line such as `apollo << "draft" | athena "review"`.';

/** A fresh server for one connection (stdio) or one request (HTTP), with its specialist tools by id. */
async function buildServer(backend: McpBackend): Promise<{ server: McpServer; tools: Map<string, RegisteredTool> }> {
  const specialists = await backend.specialists.list();
  const server = new McpServer(MCP_SERVER_INFO, {
    capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} },
    instructions: INSTRUCTIONS,
  });
  const tools = registerTools(server, backend, specialists);
  registerPrompts(server, specialists);
  registerSessions(server, backend.specialists);
  return { server, tools };
}

/**
 * Serves one client over this process's stdin and stdout until stdin ends.
 * A specialist that becomes unavailable leaves `tools/list` (and one that
 * comes back returns); the SDK tells the client with
 * `notifications/tools/list_changed`.
 */
export function serveMcpOverStdio(backend: McpBackend): Promise<void> {
  return new Promise((done) => {
    const unsubscribes: (() => void)[] = [];
    const handle = serveStdio(
      async () => {
        const { server, tools } = await buildServer(backend);
        const unsubscribe = backend.onStatus?.((change) => {
          const tool = tools.get(change.specialist_id);
          if (!tool) return;
          // enable()/disable() send list_changed themselves.
          if (change.status === 'unavailable' && tool.enabled) tool.disable();
          else if (change.status !== 'unavailable' && !tool.enabled) tool.enable();
        });
        if (unsubscribe) unsubscribes.push(unsubscribe);
        server.server.onclose = () => {
          for (const stop of unsubscribes) stop();
          done();
        };
        return server;
      },
      { onerror: (error) => process.stderr.write(`aish: mcp: ${error.message}\n`) },
    );
    process.stdin.once('end', () => {
      for (const stop of unsubscribes) stop();
      void handle.close().then(() => done());
    });
  });
}

/**
 * The Streamable HTTP handler: web-standard `Request` in, `Response` out,
 * stateless (each request gets its own server instance). Status changes are
 * sent to clients holding a `subscriptions/listen` stream.
 */
export function mcpHttpHandler(backend: McpBackend): McpHttpHandler {
  const handler = createMcpHandler(async () => (await buildServer(backend)).server, {
    onerror: () => {
      // Rejected requests are answered to their client; nothing more to say here.
    },
  });
  backend.onStatus?.(() => handler.notify.toolsChanged());
  return handler;
}
