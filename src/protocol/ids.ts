/**
 * Request ids (`req_…`, `bulk_…`, `chatcmpl-…`): they only tell requests
 * apart in streams and logs and guard nothing, so no crypto (it costs start-up time).
 */
export function requestId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
