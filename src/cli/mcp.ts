/**
 * `aish mcp`: the specialists as an MCP server over stdin/stdout, on the
 * in-process service or, with `--server URL`, as a bridge to that server
 * (every call goes there). `run_pipeline` lines run here, in a shell of their
 * own; whether they may use Unix commands is this machine's config
 * (`mcp.allow_unix`), since they would run on this machine.
 */
import { currentSessionsFile } from '../config/paths.js';
import type { McpBackend } from '../mcp/index.js';
import { SpecialistService } from '../service/index.js';
import { runCapturedLine } from '../shell/index.js';
import { connect, localConfig } from './specialists.js';

export interface McpOptions {
  server?: string | undefined;
  token?: string | undefined;
}

export async function serveMcp(options: McpOptions): Promise<number> {
  const specialists = await connect(options);
  const config = await localConfig();
  const backend: McpBackend = {
    specialists,
    runLine: (line, input, signal) => runCapturedLine({ specialists, allowUnix: config.mcp.allow_unix, currentSessionsFile: currentSessionsFile() }, line, input, signal),
    ...(specialists instanceof SpecialistService && { onStatus: (listener) => specialists.onStatus(listener) }),
  };
  const { serveMcpOverStdio } = await import('../mcp/index.js');
  await serveMcpOverStdio(backend);
  await specialists.close();
  return 0;
}
