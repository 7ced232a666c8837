/**
 * One specialist over its WebSocket endpoint (`/ws/ai/{id}`): sessions and
 * streamed answers as the `Specialists` contract shapes them (`start`, the
 * content, then `done` or `error`), so a chat runs the same code over the
 * wire as in-process. The connection reconnects by itself after a drop
 * (ws-client.ts).
 */
import { RPC_METHODS, toAishError, type CreateSessionRequest, type MessageRequest, type RenewSessionRequest, type SessionDetail, type SessionInfo, type SessionMessageRequest, type StreamEvent } from '../protocol/index.js';
import type { ConnectionEvent, RpcChatParams, RpcChatResult, StreamStartParams } from '../protocol/websocket.js';
import { RpcWebSocketClient, webSocketUrl, type RpcClientOptions } from './ws-client.js';

type StartEvent = Extract<StreamEvent, { type: 'start' }>;

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
    if (request.context_window !== undefined) params.context_window = request.context_window;
    return this.events(params, signal);
  }

  /** One answer outside any session (or in `request.session_id`). */
  stream(request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const params: RpcChatParams = { message: request.content, ...generation(request), ...(request.session_id && { session_id: request.session_id }) };
    if (request.capability !== undefined) params.capability = request.capability;
    return this.events(params, signal);
  }

  /**
   * A `stream` call as stream events: `start` from `stream.start`, a `content`
   * per chunk, then `done` from the final response. As the contract says, a
   * failure before `start` is thrown and one after it is an `error` event;
   * an aborted `signal` ends the events quietly.
   */
  private async *events(params: RpcChatParams, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const call = this.connection.stream(params, signal);
    let start: StartEvent | undefined;
    try {
      for await (const notice of call) {
        if (notice.type === 'start') {
          start = startEvent(notice.start);
          yield start;
          continue;
        }
        if (notice.type === 'tool.start' || notice.type === 'tool.done') {
          const { request_id: _id, ...tool } = notice.tool;
          yield { type: notice.type, ...tool } as StreamEvent;
          continue;
        }
        // A server older than `stream.start` names nobody before the first chunk: the endpoint answers.
        if (!start) yield (start = { type: 'start', specialist_id: this.specialist, request_id: '', model: '' });
        yield { type: 'content', data: notice.chunk.content, specialist_id: start.specialist_id };
      }
      const result = await call.result;
      if (!start) yield { type: 'start', specialist_id: result.specialist_id, request_id: '', model: result.model };
      yield doneEvent(result);
    } catch (error) {
      if (signal?.aborted) return;
      if (!start) throw error;
      const failure = toAishError(error);
      yield { type: 'error', code: failure.code, message: failure.message };
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** `stream.start` as the contract's `start`; its `request_id` is the JSON-RPC id, the one `cancel` takes. */
function startEvent(params: StreamStartParams): StartEvent {
  return {
    type: 'start',
    specialist_id: params.specialist_id,
    request_id: String(params.request_id),
    model: params.model,
    ...(params.fallback_for !== undefined && { fallback_for: params.fallback_for }),
  };
}

function doneEvent(result: RpcChatResult): StreamEvent {
  return {
    type: 'done',
    specialist_id: result.specialist_id,
    tokens_used: result.tokens_used,
    finish_reason: result.finish_reason,
    model: result.model,
    ...(result.session_id !== undefined && { session_id: result.session_id }),
    ...(result.message_count !== undefined && { message_count: result.message_count }),
    ...(result.context_used !== undefined && { context_used: result.context_used }),
  };
}

function generation(request: { temperature?: number; max_tokens?: number; model?: string; timeout?: number; no_stream?: boolean; tools?: string[] }): Omit<RpcChatParams, 'message'> {
  const out: Omit<RpcChatParams, 'message'> = {};
  if (request.tools !== undefined) out.tools = request.tools;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.max_tokens !== undefined) out.max_tokens = request.max_tokens;
  if (request.model !== undefined) out.model = request.model;
  if (request.timeout !== undefined) out.timeout = request.timeout;
  if (request.no_stream) out.no_stream = true;
  return out;
}
