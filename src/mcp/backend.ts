/**
 * What the MCP server serves: a `Specialists` (the embedded service or the
 * remote client), and the things only the layers above can give it — how to
 * run an aish line (the shell), the specialists' system prompts and status
 * changes. src/mcp imports only the protocol; the cli wires these in.
 */
import type { SpecialistStatus, Specialists } from '../protocol/index.js';

/** What `run_pipeline` gives back: the line's stdout, its exit status and what it said on stderr. */
export interface LineResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one aish line with `input` as the first stage's stdin (none when
 * undefined); `signal` cancels it. A line that may not run here (a Unix
 * command when they are not allowed) is thrown as an `AishError` FORBIDDEN
 * naming the stage, before anything runs.
 */
export type LineRunner = (line: string, input: string | undefined, signal: AbortSignal) => Promise<LineResult>;

/** A specialist's status change, as the service reports it. */
export interface StatusChange {
  specialist_id: string;
  status: SpecialistStatus;
}

export interface McpBackend {
  specialists: Specialists;
  /** Runs `run_pipeline` lines; without it the tool is not offered. */
  runLine?: LineRunner;
  /** Hears status changes until the returned function is called (tools come and go with them). */
  onStatus?(listener: (change: StatusChange) => void): () => void;
}

/** The name and version the server gives MCP clients. */
export const MCP_SERVER_INFO = { name: 'aish', version: '0.1.0' } as const;
