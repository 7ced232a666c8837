/**
 * What the server checks before a request reaches a route: the token, the
 * client's request rate, its open streams, and the size of a bulk request.
 * One object per server, shared by HTTP requests and WebSocket upgrades.
 */
import type { IncomingMessage } from 'node:http';
import { AishError } from '../protocol/index.js';
import { MAX_OPERATIONS } from '../service/bulk.js';
import type { AccessLog } from './access-log.js';
import { createAuthorizer, presentedToken, tokenLabel, WWW_AUTHENTICATE, type Authorizer, type RequestHeaders } from './auth.js';
import { InProcessCoordinator, type Coordinator, type RateDecision, type RateLimits, type StreamSlot, type StreamSlotPool } from '../coord/index.js';

/** The `aish serve` defaults (docs/protocol.md "Errors, limits, security"). */
export const SERVER_DEFAULTS = {
  rateLimit: 600,
  maxStreams: 32,
  maxBodyBytes: 1024 * 1024,
  maxBulkOperations: MAX_OPERATIONS,
} as const;

export interface ProtectionOptions {
  /** With a token, every request but `GET /health` must present it. */
  token?: string | undefined;
  /** Requests per minute per client; 0 or absent: no limit. */
  rateLimit?: number | undefined;
  /** Concurrent streams per client (SSE and WebSocket); absent: no limit. */
  maxStreams?: number | undefined;
  /** Most operations in one bulk request; absent: the service's own limit. */
  maxBulkOperations?: number | undefined;
  /** One line per request; absent: no access log. */
  accessLog?: AccessLog | undefined;
  /** Where limits and slots are kept: this process (the default) or shared with other replicas (Redis). */
  coordinator?: Coordinator | undefined;
}

/** One request as the gate sees it, with what it decided. */
export interface Admission {
  /** The rate-limit key and log name: a token's label, else the address. */
  client: string;
  /** `X-RateLimit-*` (and `Retry-After`, `WWW-Authenticate` on a refusal) for the response. */
  headers: Record<string, string>;
  /** Set when the request must be answered with this error instead of being routed. */
  refusal?: AishError;
  /** The stream slot this request holds, released when its response ends. */
  slot?: StreamSlot;
}

export class Protection {
  /** The token check; the WebSocket upgrade uses it too. */
  readonly authorize: Authorizer;
  /** Open streams per client; WebSocket `stream` calls take their slots here too. */
  readonly slots: StreamSlotPool | undefined;
  readonly accessLog: AccessLog | undefined;
  private readonly limiter: RateLimits | undefined;
  private readonly token: string | undefined;
  private readonly maxBulkOperations: number | undefined;

  constructor(options: ProtectionOptions = {}) {
    this.token = options.token || undefined;
    this.authorize = createAuthorizer(this.token);
    const coordinator = options.coordinator ?? new InProcessCoordinator();
    this.limiter = options.rateLimit ? coordinator.rateLimits(options.rateLimit) : undefined;
    this.slots = options.maxStreams ? coordinator.streamSlots(options.maxStreams) : undefined;
    this.maxBulkOperations = options.maxBulkOperations;
    this.accessLog = options.accessLog;
  }

  /** Whether requests need the token (then a page cannot use the server, whatever its `Host`). */
  get tokenRequired(): boolean {
    return this.token !== undefined;
  }

  /**
   * Auth and rate limit for one request (an HTTP request or a WebSocket
   * upgrade). `GET /health` is never refused. The client is its token when it
   * presented the right one, else its address, so guessing tokens does not
   * buy a fresh allowance. `?token=` counts only on a `GET` of a route that
   * streams (`streamRoute`: what a browser EventSource needs) and on upgrades.
   * With limits shared through a backend that is down, the request is
   * refused with 503 `BACKEND_UNAVAILABLE` (limits fail closed).
   */
  admit(method: string, url: URL, headers: RequestHeaders, address: string | undefined, streamRoute = false): Promise<Admission> {
    return this.admitWith(method, url.pathname, headers, address, method === 'GET' && streamRoute ? url : undefined, streamRoute);
  }

  /** `streamRoute`: the route streams, so an allowed request also takes its stream slot (in the same round trip when the limits are shared). */
  private async admitWith(method: string, path: string, headers: RequestHeaders, address: string | undefined, tokenUrl: URL | undefined, streamRoute = false): Promise<Admission> {
    const denied = this.authorize(headers, tokenUrl);
    const admission: Admission = { client: this.clientOf(headers, tokenUrl, address, denied), headers: {} };
    if (method === 'GET' && path === '/health') return admission;
    if (this.limiter) {
      const slots = streamRoute && !denied && this.limiter.takeWithSlot ? this.slots : undefined;
      let decision: RateDecision;
      let slot: StreamSlot | undefined;
      try {
        if (slots) ({ decision, slot } = await this.limiter.takeWithSlot!(admission.client, slots));
        else decision = await this.limiter.take(admission.client);
      } catch (error) {
        admission.refusal = backendRefusal(error);
        return admission;
      }
      Object.assign(admission.headers, limitHeaders(decision));
      if (!decision.allowed) {
        admission.headers['retry-after'] = String(decision.retryAfterS);
        admission.refusal = new AishError('RATE_LIMITED', `too many requests: at most ${decision.limit} a minute per client; retry in ${decision.retryAfterS} s`, {
          limit: decision.limit,
          retry_after_s: decision.retryAfterS,
        });
        return admission;
      }
      if (slots) {
        if (slot) admission.slot = slot;
        else this.refuseStream(admission, slots.max);
        return admission;
      }
    }
    if (denied) {
      admission.headers['www-authenticate'] = WWW_AUTHENTICATE;
      admission.refusal = denied;
    }
    return admission;
  }

  /**
   * Who a request comes from, for rate limits, stream slots and the log: the
   * label of the server's token when the request presented it, else the
   * address. A WebSocket takes its `stream` slots under this name. `tokenUrl`
   * is the URL where `?token=` counts (an upgrade), else undefined.
   */
  clientOf(headers: RequestHeaders, tokenUrl: URL | undefined, address: string | undefined, denied = this.authorize(headers, tokenUrl)): string {
    const token = this.token && !denied ? presentedToken(headers, tokenUrl) : undefined;
    return token ? tokenLabel(token) : (address ?? 'unknown');
  }

  /**
   * The check for a WebSocket upgrade (the `UpgradeCheck` of upgrade.ts):
   * token (header or `?token=`) and rate limit, as for any request. The
   * adapter (http.ts) logs the upgrade, refused or not.
   */
  readonly checkUpgrade = async (request: IncomingMessage): Promise<{ error: AishError; headers: Record<string, string> } | undefined> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const admission = await this.admitWith(request.method ?? 'GET', url.pathname, request.headers, request.socket.remoteAddress, url);
    if (!admission.refusal) return undefined;
    return { error: admission.refusal, headers: admission.headers };
  };

  /** Who a WebSocket connection's client is, from its upgrade request (its token, or its address): its calls count against that client's `budget_per_day`. */
  readonly upgradeClient = (request: IncomingMessage): string => this.clientOf(request.headers, new URL(request.url ?? '/', 'http://localhost'), request.socket.remoteAddress);

  /**
   * The `callGate` of the WebSocket server (ws.ts): per connection, from its
   * upgrade request, a function each `chat`/`stream` call runs first to take
   * one of its client's stream slots (shared with SSE streams), or be refused.
   */
  readonly callGate = (request: IncomingMessage): (() => StreamSlot | AishError | Promise<StreamSlot | AishError>) => {
    const client = this.upgradeClient(request);
    return () => {
      const slots = this.slots;
      if (!slots) return NO_SLOT;
      // Slots kept in this process answer at once (no promise per call); shared ones in a promise.
      let slot: StreamSlot | undefined | Promise<StreamSlot | undefined>;
      try {
        slot = slots.acquire(client);
      } catch (error) {
        return backendRefusal(error);
      }
      if (slot instanceof Promise) return slot.then((taken) => taken ?? tooManyStreams(slots.max), backendRefusal);
      return slot ?? tooManyStreams(slots.max);
    };
  };

  /**
   * Takes a stream slot for an admitted request; on refusal sets
   * `admission.refusal` (429, or 503 when shared slots' backend is down) and
   * returns it. Idempotent per request.
   */
  async openStream(admission: Admission): Promise<AishError | undefined> {
    if (!this.slots || admission.slot) return undefined;
    let slot: StreamSlot | undefined;
    try {
      slot = await this.slots.acquire(admission.client);
    } catch (error) {
      admission.refusal = backendRefusal(error);
      return admission.refusal;
    }
    if (slot) {
      admission.slot = slot;
      return undefined;
    }
    return this.refuseStream(admission, this.slots.max);
  }

  /** The refusal of a stream when its client already has `max` open (429, retry in a second). */
  private refuseStream(admission: Admission, max: number): AishError {
    admission.headers['retry-after'] = '1';
    admission.headers['x-ratelimit-limit'] = String(max);
    admission.headers['x-ratelimit-remaining'] = '0';
    admission.headers['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000) + 1);
    admission.refusal = tooManyStreams(max);
    return admission.refusal;
  }

  /**
   * Checks a parsed request body before its route sees it: a body asking for
   * a stream takes a stream slot; a bulk request may hold at most
   * `maxBulkOperations` operations (413 `PAYLOAD_TOO_LARGE`).
   */
  async checkBody(admission: Admission, path: string, body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const fields = body as Record<string, unknown>;
    if (this.maxBulkOperations !== undefined && path === '/api/v2/bulk' && Array.isArray(fields.operations) && fields.operations.length > this.maxBulkOperations) {
      throw new AishError('PAYLOAD_TOO_LARGE', `too many operations: ${fields.operations.length} (this server takes at most ${this.maxBulkOperations} in one bulk request)`, {
        count: fields.operations.length,
        max_operations: this.maxBulkOperations,
      });
    }
    if (fields.stream === true) {
      const refused = await this.openStream(admission);
      if (refused) throw refused;
    }
  }
}

/** What a call holds when streams are not limited: nothing to give back. */
const NO_SLOT: StreamSlot = { release: () => {} };

/** A shared limit that could not be checked: the request is refused (fail closed), never let through. */
function backendRefusal(error: unknown): AishError {
  if (error instanceof AishError) return error;
  return new AishError('BACKEND_UNAVAILABLE', `the shared limits are unavailable: ${(error as Error).message}`, { backend: 'redis' }, { cause: error });
}

function tooManyStreams(max: number): AishError {
  return new AishError('RATE_LIMITED', `too many streams at once: at most ${max} per client; retry when one ends`, { max_streams: max, retry_after_s: 1 });
}

function limitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(decision.resetAt),
  };
}
