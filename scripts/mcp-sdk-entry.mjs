// Build input: the MCP SDK and zod as one bundle (dist/vendor/mcp-sdk.cjs), so
// `aish mcp`, `/mcp` and specialists' tools load them from one file with a V8 code cache, as the CLI
// itself is loaded (bin/aish maps the package names to it). Only they load it.
export * as server from '@modelcontextprotocol/server';
export * as stdio from '@modelcontextprotocol/server/stdio';
export * as client from '@modelcontextprotocol/client';
export * as clientStdio from '@modelcontextprotocol/client/stdio';
export * as zod from 'zod';
