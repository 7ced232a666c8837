/**
 * `aish mcp`: the specialists as an MCP server over stdin/stdout, on the
 * in-process service or, with `--server URL`, as a bridge to that server
 * (every call goes there; status changes come over its WebSocket). The
 * `run_pipeline` lines run here, in a shell of their own; whether they may
 * use Unix commands is this machine's config (`mcp.allow_unix`), since they
 * would run on this machine.
 */
import { isatty } from 'node:tty';
import { currentSessionsFile } from '../config/paths.js';
import type { McpBackend, StatusChange } from '../mcp/index.js';
import { RPC_METHODS, RPC_NOTIFICATIONS, type Specialists } from '../protocol/index.js';
import { SpecialistService } from '../service/index.js';
import { runCapturedLine } from '../shell/index.js';
import { connect, localConfig } from './specialists.js';

export interface McpOptions {
  server?: string | undefined;
  token?: string | undefined;
}

export async function serveMcp(options: McpOptions): Promise<number> {
  const server = options.server ?? process.env.AISH_SERVER;
  const token = options.token ?? process.env.AISH_TOKEN;
  const specialists = await connect({ server, token, forOtherPrograms: true });
  const config = await localConfig();
  const statuses = specialists instanceof SpecialistService ? localStatuses(specialists) : await remoteStatuses(server!, token, specialists);
  const backend: McpBackend = {
    specialists,
    runLine: (line, input, signal) => runCapturedLine({ specialists, allowUnix: config.mcp.allow_unix, currentSessionsFile: currentSessionsFile() }, line, input, signal),
    ...(statuses && { onStatus: statuses.onStatus }),
  };
  if (isatty(0)) process.stderr.write('aish: mcp: serving MCP on stdin and stdout, for a client that starts aish mcp (Ctrl-D ends it)\n');
  const { serveMcpOverStdio } = await import('../mcp/index.js');
  await serveMcpOverStdio(backend);
  await statuses?.close();
  await specialists.close();
  return 0;
}

interface StatusSource {
  onStatus(listener: (change: StatusChange) => void): () => void;
  close(): Promise<void>;
}

function localStatuses(service: SpecialistService): StatusSource {
  return { onStatus: (listener) => service.onStatus(listener), close: async () => {} };
}

/** A bridge hears status changes over the server's WebSocket (`subscribe` to `status`); none when it cannot. */
async function remoteStatuses(server: string, token: string | undefined, specialists: Specialists): Promise<StatusSource | undefined> {
  const { RpcWebSocketClient, webSocketUrl } = await import('../client/index.js');
  const first = (await specialists.list().catch(() => []))[0];
  if (!first) return undefined;
  const rpc = new RpcWebSocketClient(webSocketUrl(server, first.id), { ...(token && { token }), reconnect: { attempts: 3 } });
  try {
    await rpc.request(RPC_METHODS.subscribe, { events: ['status'] });
  } catch {
    await rpc.close();
    return undefined;
  }
  return {
    onStatus: (listener) =>
      rpc.onNotification((method, params) => {
        if (method === RPC_NOTIFICATIONS.status.method) listener(params as StatusChange);
      }),
    close: () => rpc.close(),
  };
}
