/** The remote `Specialists` client (HTTP + SSE). */
export { RemoteSpecialists, type RemoteOptions } from './remote.js';
