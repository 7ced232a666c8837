/**
 * Which `Specialists` a shell talks to: the remote client when `--server` or
 * AISH_SERVER names a server, else the service in-process (the embedded
 * default). The client and undici load only when a server is named.
 */
import { builtinRoster } from '../config/index.js';
import type { Specialists } from '../protocol/index.js';
import { SpecialistService } from '../service/index.js';

export interface Connection {
  server?: string | undefined;
  token?: string | undefined;
}

/** The in-process service for this machine's configuration. */
export async function createService(): Promise<SpecialistService> {
  // Without a configured provider every specialist answers with the offline echo model.
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo' });
}

export async function connect(connection: Connection): Promise<Specialists> {
  const server = connection.server ?? process.env.AISH_SERVER;
  if (!server) return createService();
  const { RemoteSpecialists } = await import('../client/index.js');
  const token = connection.token ?? process.env.AISH_TOKEN;
  return new RemoteSpecialists(server, token ? { token } : {});
}
