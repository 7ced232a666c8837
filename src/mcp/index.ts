/** aish as an MCP server (docs/mcp.md): its tools, prompts and resources over stdio and Streamable HTTP. */
export { serveMcpOverStdio, mcpHttpHandler } from './server.js';
export { MCP_SERVER_INFO, type McpBackend, type LineRunner, type LineResult, type StatusChange } from './backend.js';
export { transcript, SESSION_URI_PREFIX } from './prompts-and-sessions.js';
