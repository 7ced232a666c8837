/** The specialist server: HTTP + SSE routes over the service, and the node:http adapter. */
export { createApp, SERVER_VERSION, type App, type AppOptions } from './app.js';
export { startServer, type RunningServer, type ServerOptions } from './http.js';
export type { AppRequest, AppResponse } from './types.js';
