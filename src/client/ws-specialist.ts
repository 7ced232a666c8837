/**
 * One specialist over its WebSocket endpoint (`/ws/ai/{id}`): sessions and
 * streamed answers as the `Specialists` contract shapes them, so a chat runs
 * the same code over the wire as in-process. The connection reconnects by
 * itself after a drop (ws-client.ts).
 */
import { RPC_METHODS, type CreateSessionRequest, type MessageRequest, type RenewSessionRequest, type SessionDetail, type SessionInfo, type SessionMessageRequest, type StreamEvent } from '../protocol/index.js';
import type { ConnectionEvent, RpcChatParams } from '../protocol/websocket.js';
import { RpcWebSocketClient, webSocketUrl, type RpcClientOptions } from './ws-client.js';

export class WebSocketSpecialist {
  readonly connection: RpcWebSocketClient;

  /** `server` is the aish server's address (`http://127.0.0.1:8003`); `specialist` its id or alias. */
  constructor(
    server: string,
    readonly specialist: string,
    options: RpcClientOptions = {},
  ) {
    this.connection = new RpcWebSocketClient(webSocketUrl(server, specialist), options);
  }

  onConnection(listener: (event: ConnectionEvent) => void): () => void {
    return this.connection.onConnection(listener);
  }

  /** A session; `specialist_id` is this endpoint's specialist unless the request names another. */
  createSession(request: CreateSessionRequest): Promise<SessionInfo> {
    return this.connection.request(RPC_METHODS.sessionCreate, request);
  }

  getSession(idOrName: string): Promise<SessionDetail> {
    return this.connection.request(RPC_METHODS.sessionGet, { session_id: idOrName });
  }

  renewSession(idOrName: string, request: RenewSessionRequest = {}): Promise<SessionInfo> {
    return this.connection.request(RPC_METHODS.sessionRenew, { session_id: idOrName, ...request });
  }

  deleteSession(idOrName: string): Promise<{ status: 'deleted'; session_id: string }> {
    return this.connection.request(RPC_METHODS.sessionEnd, { session_id: idOrName });
  }

  /** One message in a session, streamed (answered by this endpoint's specialist). */
  streamSession(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const params: RpcChatParams = { message: request.message, session_id: idOrName, ...generation(request) };
    return this.events(params, signal);
  }

  /** One answer outside any session (or in `request.session_id`). */
  stream(request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const params: RpcChatParams = { message: request.content, ...generation(request), ...(request.session_id && { session_id: request.session_id }) };
    return this.events(params, signal);
  }

  /** `stream` as stream events: a `content` per chunk, then `done` from the final response. */
  private async *events(params: RpcChatParams, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const call = this.connection.stream(params, signal);
    for await (const chunk of call) yield { type: 'content', data: chunk.content, specialist_id: this.specialist };
    const result = await call.result;
    yield {
      type: 'done',
      specialist_id: result.specialist_id,
      tokens_used: result.tokens_used,
      finish_reason: result.finish_reason,
      model: result.model,
      ...(result.session_id !== undefined && { session_id: result.session_id }),
      ...(result.message_count !== undefined && { message_count: result.message_count }),
    };
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function generation(request: { temperature?: number; max_tokens?: number; model?: string }): Omit<RpcChatParams, 'message'> {
  const out: Omit<RpcChatParams, 'message'> = {};
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.max_tokens !== undefined) out.max_tokens = request.max_tokens;
  if (request.model !== undefined) out.model = request.model;
  return out;
}
