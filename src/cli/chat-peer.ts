/**
 * Who `aish chat NAME` talks to: the specialist's WebSocket endpoint when
 * `--server` or AISH_SERVER names a server (streamed, cancellable,
 * reconnecting), else the service in-process. Both run the same chat code.
 */
import type { ChatPeer } from '../shell/chat.js';
import { createService, type Connection } from './specialists.js';

export async function chatPeer(specialist: string, connection: Connection): Promise<ChatPeer & { close(): Promise<void> }> {
  const server = connection.server ?? process.env.AISH_SERVER;
  if (!server) return createService(connection.configFile);
  const { WebSocketSpecialist } = await import('../client/index.js');
  const token = connection.token ?? process.env.AISH_TOKEN;
  return new WebSocketSpecialist(server, specialist, token ? { token } : {});
}
