/** The remote clients: `Specialists` over HTTP + SSE or over WebSocket JSON-RPC, and one specialist's WebSocket endpoint. */
export { RemoteSpecialists, type RemoteOptions } from './remote.js';
export { RpcWebSocketClient, webSocketUrl, type RpcClientOptions, type StreamCall, type StreamNotice } from './ws-client.js';
export { WebSocketSpecialist } from './ws-specialist.js';
export { WebSocketSpecialists, type WebSocketSpecialistsOptions } from './ws-specialists.js';
