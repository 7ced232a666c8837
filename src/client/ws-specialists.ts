/**
 * The `Specialists` contract over WebSocket JSON-RPC: answers and sessions go
 * through each specialist's endpoint (`/ws/ai/{id}`, one connection per
 * specialist, opened when first needed). The WebSocket protocol has no
 * methods for discovery, routing, listing sessions or importing one, so
 * those few calls go over HTTP (remote.ts) to the same server.
 */
import { AishError, type BestMatch, type CreateSessionRequest, type MessageRequest, type RenewSessionRequest, type SessionDetail, type SessionInfo, type SessionMessageRequest, type SessionSummary, type SpecialistInfo, type Specialists, type StreamEvent } from '../protocol/index.js';
import { RemoteSpecialists } from './remote.js';
import type { RpcClientOptions } from './ws-client.js';
import { WebSocketSpecialist } from './ws-specialist.js';

export interface WebSocketSpecialistsOptions extends RpcClientOptions {
  /**
   * The specialist whose endpoint carries the session calls that belong to no
   * specialist (get, end, renew); by default the first one the server lists.
   */
  home?: string;
}

export class WebSocketSpecialists implements Specialists {
  private readonly endpoints = new Map<string, WebSocketSpecialist>();
  private readonly http: RemoteSpecialists;
  private homeName: Promise<string> | undefined;

  /** `server` is the aish server's address (`http://127.0.0.1:8003`). */
  constructor(
    private readonly server: string,
    private readonly options: WebSocketSpecialistsOptions = {},
  ) {
    this.http = new RemoteSpecialists(server, options.token ? { token: options.token } : {});
  }

  list(): Promise<SpecialistInfo[]> {
    return this.http.list();
  }

  best(capability: string, threshold: number): Promise<BestMatch> {
    return this.http.best(capability, threshold);
  }

  listSessions(): Promise<SessionSummary[]> {
    return this.http.listSessions();
  }

  importSession(data: unknown, options: { force?: boolean }): Promise<SessionInfo> {
    return this.http.importSession(data, options);
  }

  stream(specialistId: string, request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    return this.endpoint(specialistId).stream(request, signal);
  }

  createSession(request: CreateSessionRequest): Promise<SessionInfo> {
    return this.endpoint(request.specialist_id).createSession(request);
  }

  async getSession(idOrName: string): Promise<SessionDetail> {
    return (await this.home()).getSession(idOrName);
  }

  async deleteSession(idOrName: string): Promise<{ status: 'deleted'; session_id: string }> {
    return (await this.home()).deleteSession(idOrName);
  }

  async renewSession(idOrName: string, request?: RenewSessionRequest): Promise<SessionInfo> {
    return (await this.home()).renewSession(idOrName, request);
  }

  /**
   * An endpoint answers as its own specialist, so a message that names no
   * specialist goes to the endpoint of the session's (one `session.get` first).
   */
  async *streamSession(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const specialist = request.specialist_id ?? (await this.getSession(idOrName)).specialist_id;
    yield* this.endpoint(specialist).streamSession(idOrName, request, signal);
  }

  async close(): Promise<void> {
    const endpoints = [...this.endpoints.values()];
    this.endpoints.clear();
    await Promise.all([...endpoints.map((endpoint) => endpoint.close()), this.http.close()]);
  }

  /** The connection to one specialist's endpoint (by the name the caller used). */
  private endpoint(specialist: string): WebSocketSpecialist {
    let endpoint = this.endpoints.get(specialist);
    if (!endpoint) {
      endpoint = new WebSocketSpecialist(this.server, specialist, this.options);
      this.endpoints.set(specialist, endpoint);
    }
    return endpoint;
  }

  private async home(): Promise<WebSocketSpecialist> {
    this.homeName ??= this.options.home !== undefined ? Promise.resolve(this.options.home) : this.firstListed();
    return this.endpoint(await this.homeName);
  }

  private async firstListed(): Promise<string> {
    try {
      const first = (await this.list())[0];
      if (!first) throw new AishError('SPECIALIST_NOT_FOUND', `the server at ${this.server} lists no specialists`);
      return first.id;
    } catch (error) {
      this.homeName = undefined; // ask again next time
      throw error;
    }
  }
}
