/** The remote clients: `Specialists` over HTTP + SSE, and one specialist over WebSocket JSON-RPC. */
export { RemoteSpecialists, type RemoteOptions } from './remote.js';
export { RpcWebSocketClient, webSocketUrl, type RpcClientOptions, type StreamCall } from './ws-client.js';
export { WebSocketSpecialist } from './ws-specialist.js';
