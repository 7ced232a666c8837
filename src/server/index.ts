/** The specialist server: HTTP + SSE routes over the service, and the node:http adapter. */
export { appRoutes, createApp, SERVER_VERSION, type App, type AppOptions } from './app.js';
export { startServer, type RunningServer, type ServerOptions } from './http.js';
export type { AppRequest, AppResponse, Route } from './types.js';
export { createWebSocketServer, WEBSOCKET_ENDPOINT, type Held, type WebSocketOptions } from './ws.js';
export { refuseUpgrade, type UpgradeCheck, type UpgradeHandler } from './upgrade.js';
export { Protection, SERVER_DEFAULTS, type Admission, type ProtectionOptions } from './protection.js';
export { createAuthorizer, isLoopbackHost, presentedToken, WWW_AUTHENTICATE, type Authorizer, type RequestHeaders } from './auth.js';
export { RateLimiter, StreamSlots, type RateDecision, type StreamSlot } from '../coord/index.js';
export { formatAccessLine, streamAccessLog, type AccessLog, type AccessRecord } from './access-log.js';
