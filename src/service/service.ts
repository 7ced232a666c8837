/**
 * The specialist service: the one implementation of what the protocol means
 * (discovery, routing, message streams, performance). The embedded default
 * calls it in-process; `aish serve` (a later layer) puts HTTP on top of it.
 */
import { AishError, DEFAULT_ROUTE_THRESHOLD, PROVIDER_IDS, collectAnswer, editDistance, inWords, requestId } from '../protocol/index.js';
import type {
  BestMatch,
  CallHooks,
  CreateSessionRequest,
  MessageRequest,
  RenewSessionRequest,
  SessionDetail,
  SessionInfo,
  SessionMessageRequest,
  SessionSummary,
  TokensUsed,
  MessageResponse,
  SpecialistDefinition,
  SpecialistInfo,
  Specialists,
  SpecialistStatus,
  StreamEvent,
} from '../protocol/index.js';
import {
  CircuitBreaker,
  createModel,
  providerName,
  resolveLimits,
  unavailableMessage,
  withResilience,
  type Deadline,
  type ModelErrorPart,
  type ModelMessage,
  type ModelRequest,
  type ProviderLimits,
  type ProviderSettings,
  type ResponseFormat,
} from '../providers/index.js';
import type { AishStore, CachedAnswer, CapabilityStats } from '../store/index.js';
import { DEFAULT_SESSION_TTL_S, SessionKeeper } from './sessions.js';
import type { SessionLocks, StatusRelay } from '../coord/index.js';
import { PerformanceBook } from './performance.js';
import { StatusBoard, type StatusListener } from './status-board.js';
import { AnswerCache, cacheKey, type CacheSettings } from './cache.js';
import type { DoneFields } from './schema.js';
import { CallBudget } from './budget.js';
import { CallStream, type CallHost, type CallPlan, type Candidate } from './call-stream.js';
import type { ClientBudgets } from './client-budget.js';
import { DEFAULT_MAX_TOOL_ROUNDS, DEFAULT_TOOL_TIMEOUT_S, ToolBox, type ToolHost, type ToolLimits } from './tool-loop.js';

export interface ServiceOptions {
  roster: SpecialistDefinition[];
  /**
   * What `model: auto` means on this machine, or how to find out (probing
   * for Ollama takes time, so it happens once, when a model is first needed).
   */
  defaultModel: string | (() => Promise<string>);
  /** Keys, base URLs and per-provider limits of the providers (from the config). */
  providers?: ProviderSettings;
  /** The config's top-level `limits:` (timeouts, retries, breaker) for every provider. */
  limits?: ProviderLimits;
  /** Where sessions are kept, a SQLite file or a PostgreSQL URL; opened on the first session call. */
  database?: string;
  /** A store opened already (`aish serve` opens and migrates it at start); wins over `database`. */
  store?: AishStore;
  /** PostgreSQL: the most connections the pool opened from `database` uses. */
  databasePoolSize?: number;
  /** Seconds a new session lives after its last activity (config `sessions.ttl`; 0 = never); 30 days by default. */
  sessionTtl?: number;
  /** The time in ms since the epoch (session expiry, timestamps); `Date.now` by default. Tests pass their own. */
  clock?: () => number;
  /** One answer at a time per session, across processes; leases in the session database by default. */
  sessionLocks?: SessionLocks;
  /** Specialist statuses shared with other replicas (Redis pub/sub); absent: this process alone. */
  statusRelay?: StatusRelay;
  /** How long a session lease lasts unless its holder renews it, in ms (config `sessions.lock_lease`); 10 s by default. */
  sessionLeaseMs?: number;
  /** The answer cache (`--cache`, `aish serve --cache`); off by default. */
  cache?: CacheSettings;
  /** What a call cost in US dollars (the config's prices); undefined when unknown. */
  costOf?: (model: string, tokens: TokensUsed) => number | undefined;
  /** A server's daily cap per client (`server.budget_per_day`). */
  clientBudgets?: ClientBudgets;
  /** The configured MCP servers (`mcp_servers:`), for specialists' tools; none when absent. */
  tools?: ToolHost;
  /** `limits.max_tool_rounds` and `limits.tool_timeout` (the defaults: 10 rounds, 60 s). */
  toolLimits?: Partial<ToolLimits>;
  /**
   * A call's `tools` replaces the specialist's list instead of narrowing it: the embedded
   * service (the user's own REPL and scripts), never a server's clients.
   */
  widenTools?: boolean;
}

/** Generation options a call may carry. */
export interface Generation {
  temperature?: number;
  max_tokens?: number;
  model?: string;
  /** The `@capability` the call was routed for (measured for routing; its next-best match may stand in). */
  capability?: string;
  /** Seconds the whole call may take, fallbacks included (the user's `--timeout`). */
  timeout?: number;
  /** Ask the model for its whole answer at once (`--no-stream`). */
  no_stream?: boolean;
  /** A JSON Schema the answer must match (see schema.ts). */
  schema?: Record<string, unknown>;
  /** With `schema`: the answer is a list of such values. */
  schema_multi?: boolean;
  /** Answer from the cache (true), never (false), or as the service is set (absent). */
  cache?: boolean;
  /** US dollars this call may spend (what the client's budget leaves); absent: no cap. */
  max_cost?: number;
  /** Tool patterns for this call (`--tools`; `[]`: `--no-tools`); absent: the specialist's own. */
  tools?: string[];
}


/** How many models named per request are kept ready per specialist (see `prepare`). */
const PREPARED_PER_SPECIALIST = 16;

/** Where a `done` event keeps how to work out its `cache_key` (a symbol: not sent, not copied by JSON). */
const KEY_OF = Symbol('keyOf');

function readCacheKey(this: { [KEY_OF]: () => string }): string {
  return this[KEY_OF]();
}

const CACHE_KEY: PropertyDescriptor = { get: readCacheKey, enumerable: true, configurable: true };

/**
 * Gives a `done` event its `cache_key`, worked out when first read (the SSE `done` event, a
 * log), not for every call: an enumerable getter, so JSON and spreads see a plain field. One
 * getter function for every event: a getter written in the event's object literal is a new
 * function per event, which gives each event a hidden class of its own, and V8 then keeps each
 * call's objects alive through young-generation collections (a server's pauses grow with it).
 */
function withCacheKey(event: object, keyOf: () => string): void {
  Object.defineProperty(event, KEY_OF, { value: keyOf });
  Object.defineProperty(event, 'cache_key', CACHE_KEY);
}

function generation(request: Generation): Generation {
  const out: Generation = {};
  if (request.timeout !== undefined) out.timeout = request.timeout;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.max_tokens !== undefined) out.max_tokens = request.max_tokens;
  if (request.model !== undefined) out.model = request.model;
  if (request.no_stream) out.no_stream = true;
  if (request.schema !== undefined) out.schema = request.schema;
  if (request.schema_multi) out.schema_multi = true;
  if (request.cache !== undefined) out.cache = request.cache;
  if (request.max_cost !== undefined) out.max_cost = request.max_cost;
  if (request.tools !== undefined) out.tools = request.tools;
  return out;
}

export interface DiscoveryFilter {
  capability?: string;
  min_score?: number;
  status?: SpecialistStatus;
}

export class SpecialistService implements Specialists {
  private readonly byName = new Map<string, SpecialistDefinition>();
  private readonly performance = new PerformanceBook();
  /** Each specialist's status; the circuit breakers around models move it. */
  readonly statuses: StatusBoard;

  constructor(private readonly options: ServiceOptions) {
    options.clientBudgets?.keepIn(() => this.sessions.store());
    this.statuses = new StatusBoard(options.statusRelay, (id) => this.breakers.get(id)?.status);
    for (const specialist of options.roster) this.byName.set(specialist.id, specialist);
    for (const specialist of options.roster) {
      for (const alias of specialist.aliases) if (!this.byName.has(alias)) this.byName.set(alias, specialist);
    }
  }

  async list(): Promise<SpecialistInfo[]> {
    const defaultModel = await this.defaultModel();
    return this.options.roster.map((specialist) => this.describe(specialist, defaultModel));
  }

  private defaultModelChoice: Promise<string> | undefined;

  /** The default model once known: a call then does not wait a tick for it. */
  private defaultModelValue: string | undefined;

  private defaultModel(): Promise<string> {
    const { defaultModel } = this.options;
    if (typeof defaultModel === 'string') this.defaultModelValue = defaultModel;
    this.defaultModelChoice ??= typeof defaultModel === 'string' ? Promise.resolve(defaultModel) : defaultModel().then((chosen) => (this.defaultModelValue = chosen));
    return this.defaultModelChoice;
  }

  /** Discovery: every specialist with a score of at least `min_score` for `capability` (primary or not), and/or in `status`. */
  async discover(filter: DiscoveryFilter = {}): Promise<SpecialistInfo[]> {
    const minScore = filter.min_score ?? 0;
    return (await this.list()).filter((specialist) => {
      if (filter.status && specialist.status !== filter.status) return false;
      if (filter.capability === undefined) return true;
      const score = specialist.capabilities.scores[filter.capability];
      return score !== undefined && score >= minScore;
    });
  }

  /** One whole answer: the stream, collected (`POST …/message`). */
  async message(id: string, request: MessageRequest, signal?: AbortSignal): Promise<MessageResponse> {
    const started = Date.now();
    const { content, model, done } = await collectAnswer(this.stream(id, request, signal));
    return {
      content,
      specialist_id: done.specialist_id,
      model,
      tokens_used: done.tokens_used,
      finish_reason: done.finish_reason,
      elapsed_ms: Date.now() - started,
      ...(done.data !== undefined && { data: done.data }),
    };
  }

  private describe(specialist: SpecialistDefinition, defaultModel: string): SpecialistInfo {
    return {
      id: specialist.id,
      name: specialist.name,
      aliases: [...specialist.aliases],
      description: specialist.description,
      status: this.statuses.get(specialist.id),
      model: this.modelOf(specialist, defaultModel),
      capabilities: { primary: [...specialist.capabilities.primary], scores: { ...specialist.capabilities.scores } },
      performance: this.performance.of(specialist.id),
      features: { streaming: true, sessions: true, websocket: true },
      system_prompt: specialist.system,
    };
  }

  /** Hears every status change (`event.status` over WebSocket) until the returned function is called. */
  onStatus(listener: StatusListener): () => void {
    return this.statuses.subscribe(listener);
  }

  private modelOf(specialist: SpecialistDefinition, defaultModel: string, override?: string): string {
    const reference = override ?? specialist.model;
    return reference === 'auto' ? defaultModel : reference;
  }

  private find(id: string): SpecialistDefinition {
    const specialist = this.byName.get(id);
    if (!specialist) throw new AishError('SPECIALIST_NOT_FOUND', `no specialist named '${id}'`, { specialist_id: id });
    return specialist;
  }

  /**
   * Not a generator itself: it hands over the answer's own iterator, so each
   * event of an answer goes through one async generator less (a `yield*` layer
   * costs promises per event). Errors still come when the events are read.
   */
  stream(id: string, request: MessageRequest, signal?: AbortSignal, hooks?: CallHooks): AsyncIterable<StreamEvent> {
    if (request.session_id !== undefined) {
      return this.streamSession(request.session_id, { message: request.content, ...generation(request), specialist_id: id }, signal, hooks);
    }
    try {
      const specialist = this.find(id);
      if (typeof request.content !== 'string' || request.content === '') {
        throw new AishError('BAD_REQUEST', "'content' must be a non-empty string", { field: 'content' });
      }
      return this.answer(specialist, [{ role: 'user', content: request.content }], request, signal, undefined, hooks);
    } catch (error) {
      return failing(error);
    }
  }

  /**
   * One model call: `start`, `content`…, then `done` or `error`. `onDone` runs
   * before `done` is yielded (a session stores its exchange there), so a caller
   * that sees `done` knows the exchange is kept.
   *
   * When the specialist is unavailable (its breaker is open) or fails before
   * its first token (after retries), its `fallback` specialists are tried in
   * order, then, for an `@capability` call, the next-best matches. `start`
   * names who answers (with `fallback_for`, who was asked): when someone else
   * could answer it waits for the answering model's first part, otherwise it
   * comes at once. A failure before `start` is thrown, as an `AishError`.
   */
  answer(
    specialist: SpecialistDefinition,
    messages: ModelMessage[],
    request: Generation,
    signal: AbortSignal | undefined,
    onDone?: (content: string, tokens: TokensUsed, answeredBy: SpecialistDefinition) => DoneFields | Promise<DoneFields>,
    hooks?: CallHooks,
  ): AsyncIterable<StreamEvent> {
    // Without a schema the call's own iterator, not one more generator around it.
    if (request.schema === undefined) return this.answerOnce(specialist, messages, request, signal, onDone, undefined, hooks);
    return this.typedAnswer(specialist, messages, request, signal, onDone, hooks);
  }

  /** `answer` with a schema: validated, and repaired when the model's JSON does not match. */
  private async *typedAnswer(
    specialist: SpecialistDefinition,
    messages: ModelMessage[],
    request: Generation,
    signal: AbortSignal | undefined,
    onDone: ((content: string, tokens: TokensUsed, answeredBy: SpecialistDefinition) => DoneFields | Promise<DoneFields>) | undefined,
    hooks: CallHooks | undefined,
  ): AsyncIterable<StreamEvent> {
    if (typeof request.schema !== 'object' || request.schema === null || Array.isArray(request.schema)) {
      throw new AishError('BAD_REQUEST', "'schema' must be a JSON Schema object", { field: 'schema' });
    }
    const { typedAnswer } = await import('./schema.js');
    const typed = { schema: request.schema, multi: request.schema_multi === true };
    yield* typedAnswer(
      typed,
      messages,
      (conversation, format) => this.answerOnce(specialist, conversation, request, signal, undefined, format, hooks),
      onDone && ((content, tokens, answeredBy) => onDone(content, tokens, this.find(answeredBy))),
    );
  }

  /**
   * One call of `answer`, without the schema's validation and repair; `format` asks the model for JSON.
   *
   * Every streamed part of every answer passes through here, so a call does its work once and
   * only what it needs (call-stream.ts hands the parts on): the model is called with the
   * caller's own signal (an AbortController of its own only when tools run, whose calls must
   * stop with it, or when the caller gave none), the cache key is worked out only when
   * something reads it, and what is absent (fallbacks, tools, budgets, a log of its own) costs
   * no await.
   */
  private answerOnce(
    specialist: SpecialistDefinition,
    messages: ModelMessage[],
    request: Generation,
    signal: AbortSignal | undefined,
    onDone?: (content: string, tokens: TokensUsed, answeredBy: SpecialistDefinition) => DoneFields | Promise<DoneFields>,
    format?: ResponseFormat,
    hooks?: CallHooks,
  ): AsyncIterable<StreamEvent> {
    let candidates: Candidate[] = [];
    // Those not called because their breaker was open when the call began (a Map only when there are some).
    let refused: Map<Candidate, string> | undefined;
    const host: CallHost = {
      sent: (answerer) => modelRequest(answerer, messages, request, format),
      toolBox: (answerer) => this.toolBox(answerer, request, hooks),
      record: (answerer, elapsedMs, success) => {
        // Counted in the specialist's performance (and the capability's, when routed).
        this.performance.record(answerer.id, elapsedMs, success);
        return request.capability ? this.recordCapability(answerer.id, request.capability, elapsedMs, success) : undefined;
      },
      done: (candidate, sent, box, content, tokens, finishReason, started) => {
        const answerer = candidate.specialist;
        // The key covers what the model was sent; worked out when first read (the SSE `done` event, a log), not for every call.
        let key: string | undefined;
        const keyOf = (): string => (key ??= cacheKey(candidate.reference, sent));
        const cost = this.options.costOf?.(candidate.reference, tokens);
        const event = (extra: DoneFields): StreamEvent => {
          const done = { type: 'done', specialist_id: answerer.id, tokens_used: tokens, finish_reason: finishReason, ...extra } as Extract<StreamEvent, { type: 'done' }>;
          withCacheKey(done, keyOf);
          if (cost !== undefined) done.cost_usd = cost;
          return done;
        };
        // Nothing to wait for (no session, log or budget): the event at once, no promise.
        if (!onDone && !(box === undefined && this.cache.records) && !this.options.clientBudgets) return event({});
        return (async () => {
          const extra = onDone ? await onDone(content, tokens, answerer) : {};
          if (!box && this.cache.records) {
            await this.cache.remember({ key: keyOf(), started, specialist: answerer.id, model: candidate.reference, message: lastMessage(messages), answer: content, tokens, cost: cost ?? null });
          }
          if (this.options.clientBudgets) await this.options.clientBudgets.add(cost ?? 0);
          return event(extra);
        })();
      },
      keepsContent: onDone !== undefined || this.cache.records,
      spend: (usd) => this.options.clientBudgets?.add(usd),
      nobodyAnswered: (failed) => nobodyAnswered(specialist, candidates, refused ?? new Map(), failed),
    };
    const begin = async (): Promise<CallPlan | AsyncIterable<StreamEvent>> => {
      const defaultModel = this.defaultModelValue ?? (await this.defaultModel());
      const deadline: Deadline | undefined = request.timeout !== undefined ? { at: Date.now() + request.timeout * 1000, totalMs: request.timeout * 1000 } : undefined;
      // The specialist's own model first: an unknown model is the caller's mistake, reported before anything starts.
      candidates = [this.prepare(specialist, defaultModel, deadline, request.model)];
      // A model named in the request is what the user wants: nobody stands in for it.
      if (request.model === undefined && (specialist.fallback.length > 0 || request.capability !== undefined)) {
        for (const other of await this.fallbacksFor(specialist, request.capability)) candidates.push(this.prepare(other, defaultModel, deadline));
      }
      let callable = candidates;
      if (candidates.some((candidate) => candidate.breaker?.state === 'open')) {
        const notCalled = new Map<Candidate, string>();
        for (const candidate of candidates) if (candidate.breaker?.state === 'open') notCalled.set(candidate, unavailableMessage(candidate.specialist.id, candidate.breaker));
        refused = notCalled;
        callable = candidates.filter((candidate) => !notCalled.has(candidate));
      }
      if (callable.length === 0) throw nobodyAnswered(specialist, candidates, refused ?? new Map(), new Map());
      const first = callable[0]!;
      const firstSent = modelRequest(first.specialist, messages, request, format);
      // Tools are opened (their servers started) before anything streams: a server that will not start is the call's error.
      const opening = this.toolBox(first.specialist, request, hooks);
      const firstBox = opening && (await opening);
      // An answer that used tools depends on what they returned: it is neither taken from the cache nor kept in it.
      if (!firstBox && this.cache.wanted(request.cache)) {
        const firstKey = cacheKey(first.reference, firstSent);
        const hit = await this.cache.lookup(firstKey);
        if (hit) return this.replay(hit, first, specialist, messages, firstKey, onDone);
      }
      // A cached answer costs nothing; a real call must fit what the budgets leave.
      if (this.options.clientBudgets) await this.options.clientBudgets.check();
      const budget = request.max_cost === undefined ? undefined : CallBudget.open(request.max_cost, first.reference, firstSent, this.options.costOf);
      return { callable, first, firstSent, firstBox, budget, deadlineAt: deadline?.at };
    };
    return new CallStream(begin, specialist, signal, host);
  }

  /** The tools `specialist` may use on this call (its servers started), or undefined for none. */
  private toolBox(specialist: SpecialistDefinition, request: Generation, hooks: CallHooks | undefined): Promise<ToolBox | undefined> | undefined {
    // No tools asked for and none of its own: nothing to open (ToolBox.open would say so, a promise later).
    if (request.tools === undefined && !specialist.tools?.length) return undefined;
    const limits: ToolLimits = { maxRounds: DEFAULT_MAX_TOOL_ROUNDS, timeoutMs: DEFAULT_TOOL_TIMEOUT_S * 1000, ...this.options.toolLimits };
    return ToolBox.open(this.options.tools, specialist.tools, request.tools, { widen: this.options.widenTools === true, limits, confirm: hooks?.confirmTool });
  }

  /** The answer cache over this service's database (off unless configured; a request may turn it on or off). */
  private get cache(): AnswerCache {
    this.answerCache ??= new AnswerCache(
      this.options.cache ?? { enabled: false, ttlSeconds: 0, record: false },
      async () => (await this.sessions.store()).exchanges,
      this.options.clock,
    );
    return this.answerCache;
  }

  private answerCache: AnswerCache | undefined;

  /** A cached answer, replayed as a call's events: the same text in one piece, at no cost. */
  private async *replay(
    hit: CachedAnswer,
    candidate: Candidate,
    asked: SpecialistDefinition,
    messages: ModelMessage[],
    key: string,
    onDone: ((content: string, tokens: TokensUsed, answeredBy: SpecialistDefinition) => DoneFields | Promise<DoneFields>) | undefined,
  ): AsyncIterable<StreamEvent> {
    const answerer = candidate.specialist;
    const started = Date.now();
    yield { type: 'start', specialist_id: answerer.id, request_id: requestId('req_'), model: candidate.reference, ...(answerer !== asked && { fallback_for: asked.id }) };
    if (hit.answer !== '') yield { type: 'content', data: hit.answer, specialist_id: answerer.id };
    const tokens = { input: hit.tokens_in ?? 0, output: hit.tokens_out ?? 0 };
    // A session keeps the exchange as if the model had answered.
    const extra = onDone ? await onDone(hit.answer, tokens, answerer) : {};
    await this.cache.remember({ key, started, specialist: answerer.id, model: candidate.reference, message: lastMessage(messages), answer: hit.answer, tokens, cost: 0, cachedFrom: hit.id });
    yield { type: 'done', specialist_id: answerer.id, tokens_used: tokens, finish_reason: 'stop', ...extra, cached_from: hit.id, cost_usd: 0 };
  }

  /** The model a specialist answers with, behind retries, timeouts and (for its configured model) its breaker. */
  private prepare(specialist: SpecialistDefinition, defaultModel: string, deadline: Deadline | undefined, override?: string): Candidate {
    // Without a deadline a model is the same for every call: made once. A specialist's own model
    // is one per specialist; models named per request (as every OpenAI-compatible request does)
    // are kept too, the last PREPARED_PER_SPECIALIST per specialist, so clients naming new models cannot grow it.
    if (deadline === undefined) {
      let ready = this.prepared.get(specialist);
      if (ready?.defaultModel !== defaultModel) {
        ready = { defaultModel, candidates: new Map() };
        this.prepared.set(specialist, ready);
      }
      const key = override ?? '';
      const known = ready.candidates.get(key);
      if (known) return known;
      const candidate = this.prepareNew(specialist, defaultModel, undefined, override);
      if (ready.candidates.size >= PREPARED_PER_SPECIALIST) ready.candidates.delete(ready.candidates.keys().next().value!);
      ready.candidates.set(key, candidate);
      return candidate;
    }
    return this.prepareNew(specialist, defaultModel, deadline, override);
  }

  /** Per specialist: the default model its candidates were made with, and each by the model asked for ('' for its own). */
  private readonly prepared = new Map<SpecialistDefinition, { defaultModel: string; candidates: Map<string, Candidate> }>();

  private prepareNew(specialist: SpecialistDefinition, defaultModel: string, deadline: Deadline | undefined, override?: string): Candidate {
    const reference = this.modelOf(specialist, defaultModel, override);
    const provider = providerName(reference);
    const limits = resolveLimits(provider, this.options.limits, this.providerLimits(provider));
    const model = createModel(reference, this.options.providers, { connectTimeoutMs: limits.connectTimeoutMs });
    if (!model) {
      throw new AishError('BAD_REQUEST', `unknown model '${reference}' (use provider/model with ${inWords(PROVIDER_IDS)}, or echo)`, {
        model: reference,
      });
    }
    // Only the configured model has a breaker (it is what the status shows); a
    // model named per request gets retries and timeouts, and no state is kept for it.
    const breaker = reference === this.modelOf(specialist, defaultModel) ? this.breakerFor(specialist.id, limits.breakerThreshold, limits.breakerCooldownMs) : undefined;
    return {
      specialist,
      reference,
      breaker,
      model: withResilience(model, { limits, ...(breaker && { breaker }), ...(deadline && { deadline }) }),
    };
  }

  private providerLimits(provider: string): ProviderLimits | undefined {
    const settings = this.options.providers as Record<string, { limits?: ProviderLimits } | undefined> | undefined;
    return settings?.[provider]?.limits;
  }

  /** One breaker per specialist (for its configured model); its state is the specialist's status. */
  private breakerFor(specialistId: string, threshold: number, cooldownMs: number): CircuitBreaker {
    let breaker = this.breakers.get(specialistId);
    if (!breaker) {
      breaker = new CircuitBreaker({ threshold, cooldownMs, onStatus: (status) => this.statuses.set(specialistId, status) });
      this.breakers.set(specialistId, breaker);
    }
    return breaker;
  }

  private readonly breakers = new Map<string, CircuitBreaker>();

  /** Who may stand in for `specialist`: its `fallback` list in order, then (for `@capability`) the next-best matches. */
  private async fallbacksFor(specialist: SpecialistDefinition, capability: string | undefined): Promise<SpecialistDefinition[]> {
    const ids = [...specialist.fallback];
    if (capability !== undefined) {
      for (const match of await this.ranked(capability)) if (match.score >= DEFAULT_ROUTE_THRESHOLD) ids.push(match.id); // the next-best matches that routing itself would accept
    }
    const seen = new Set([specialist.id]);
    const fallbacks: SpecialistDefinition[] = [];
    for (const id of ids) {
      const found = this.byName.get(id);
      if (found && !seen.has(found.id)) {
        seen.add(found.id);
        fallbacks.push(found);
      }
    }
    return fallbacks;
  }

  /** Persists a routed call's outcome; a failed write never fails the answer. */
  private async recordCapability(specialistId: string, capability: string, elapsedMs: number, success: boolean): Promise<void> {
    if (!this.hasDatabase) return;
    try {
      await (await this.sessions.store()).recordCapabilityCall(specialistId, capability, elapsedMs, success);
    } catch {
      // Routing then works from the configured scores alone.
    }
  }

  private get hasDatabase(): boolean {
    return this.options.database !== undefined || this.options.store !== undefined;
  }

  /** Measured performance for a capability, by specialist (empty without a database). */
  private async measured(capability: string): Promise<Map<string, CapabilityStats>> {
    if (!this.hasDatabase) return new Map();
    try {
      const stats = await (await this.sessions.store()).capabilityStats(capability);
      return new Map(stats.map((row) => [row.specialist_id, row]));
    } catch {
      return new Map();
    }
  }

  /** The specialist for an id or registered alias; `SPECIALIST_NOT_FOUND` otherwise. */
  specialist(id: string): SpecialistDefinition {
    return this.find(id);
  }

  private get sessions(): SessionKeeper {
    this.sessionKeeper ??= new SessionKeeper(this, {
      database: this.options.database,
      ...(this.options.store && { store: this.options.store }),
      ...(this.options.databasePoolSize !== undefined && { poolSize: this.options.databasePoolSize }),
      ttl: this.options.sessionTtl ?? DEFAULT_SESSION_TTL_S,
      clock: this.options.clock ?? Date.now,
      ...(this.options.sessionLocks && { locks: this.options.sessionLocks }),
      ...(this.options.sessionLeaseMs !== undefined && { leaseMs: this.options.sessionLeaseMs }),
    });
    return this.sessionKeeper;
  }

  private sessionKeeper: SessionKeeper | undefined;

  /** Whether the session store answers now (`GET /health`): one look-up by id. */
  async storeState(): Promise<'ok' | 'down'> {
    try {
      const store = await this.sessions.store();
      await store.findSession('ses_health');
      return 'ok';
    } catch {
      return 'down';
    }
  }

  createSession(request: CreateSessionRequest): Promise<SessionInfo> {
    return this.sessions.create(request);
  }

  getSession(idOrName: string): Promise<SessionDetail> {
    return this.sessions.get(idOrName);
  }

  listSessions(): Promise<SessionSummary[]> {
    return this.sessions.list();
  }

  deleteSession(idOrName: string): Promise<{ status: 'deleted'; session_id: string }> {
    return this.sessions.delete(idOrName);
  }

  renewSession(idOrName: string, request?: RenewSessionRequest): Promise<SessionInfo> {
    return this.sessions.renew(idOrName, request);
  }

  streamSession(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal, hooks?: CallHooks): AsyncIterable<StreamEvent> {
    return this.sessions.stream(idOrName, request, signal, hooks);
  }

  importSession(data: unknown, options: { force?: boolean }): Promise<SessionInfo> {
    return this.sessions.import(data, options);
  }

  /** Every specialist with a score for `capability`, best first (measured performance counts once there is enough of it). */
  private async ranked(capability: string): Promise<(BestMatch['best_match'] & { measured: { success_rate: number } })[]> {
    const measured = await this.measured(capability);
    return this.options.roster
      .filter((specialist) => capability in specialist.capabilities.scores)
      .map((specialist) => ({
        id: specialist.id,
        score: adjustedScore(specialist.capabilities.scores[capability]!, measured.get(specialist.id)),
        is_primary: specialist.capabilities.primary.includes(capability),
        measured: this.performance.of(specialist.id),
      }))
      .sort((a, b) => b.score - a.score || Number(b.is_primary) - Number(a.is_primary) || b.measured.success_rate - a.measured.success_rate);
  }

  /** The best available specialist for `capability`: `unavailable` ones (breaker open) are skipped. */
  async best(capability: string, threshold: number): Promise<BestMatch> {
    const ranked = await this.ranked(capability);
    const unavailable = ranked.filter((match) => this.statuses.get(match.id) === 'unavailable');
    const matches = ranked.filter((match) => !unavailable.includes(match)).map(({ id, score, is_primary }) => ({ id, score, is_primary }));
    const [first, ...rest] = matches;
    if (ranked.length === 0) {
      const close = this.closestCapabilities(capability);
      throw new AishError('NO_MATCH', `no specialist has the capability @${capability}${close.length ? `; did you mean: ${close.map((c) => '@' + c).join(', ')}?` : ''}`, {
        capability,
        threshold,
        candidates: [],
        capabilities: close,
      });
    }
    const qualified = unavailable.filter((match) => match.score >= threshold);
    if ((!first || first.score < threshold) && qualified.length > 0) {
      throw new AishError('PROVIDER_UNAVAILABLE', `every specialist for @${capability} is unavailable (${qualified.map((match) => match.id).join(', ')})`, {
        capability,
        unavailable: qualified.map((match) => match.id),
      });
    }
    if (!first || first.score < threshold) {
      const best = matches.slice(0, 3).map((match) => `${match.id} (${match.score})`).join(', ');
      throw new AishError('NO_MATCH', `no specialist for @${capability} at or above ${threshold}; best candidates: ${best}`, {
        capability,
        threshold,
        candidates: matches.slice(0, 3),
      });
    }
    return { capability, best_match: first, alternatives: rest };
  }

  /** Capabilities that exist, closest to a name that does not: shared words first, then spelling. */
  private closestCapabilities(capability: string): string[] {
    const known = [...new Set(this.options.roster.flatMap((specialist) => Object.keys(specialist.capabilities.scores)))];
    const parts = capability.toLowerCase().split(/[-_.:]/).filter(Boolean);
    const score = (name: string): number => {
      const shared = parts.filter((part) => name.includes(part) || (part.length > 3 && name.includes(part.slice(0, 4)))).length;
      return shared * 10 - editDistance(capability, name);
    };
    return known
      .map((name) => ({ name, score: score(name) }))
      .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
      .slice(0, 3)
      .map((entry) => entry.name);
  }

  async close(): Promise<void> {
    for (const breaker of this.breakers.values()) breaker.dispose();
    this.statuses.close();
    this.sessionKeeper?.close();
    await this.options.tools?.close?.();
  }
}

/** What the model is sent for a call: the request the cache key covers. */
/** An iterable whose first read throws `error`: what a generator's early throw looks like to its reader. */
async function* failing(error: unknown): AsyncGenerator<never> {
  throw error;
}

function modelRequest(answerer: SpecialistDefinition, messages: ModelMessage[], request: Generation, format: ResponseFormat | undefined): ModelRequest {
  return {
    system: answerer.system,
    messages,
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.max_tokens !== undefined && { maxTokens: request.max_tokens }),
    ...(request.no_stream && { stream: false }),
    ...(format && { responseFormat: format }),
    caller: answerer.id,
  };
}

/** The message a call answers (the last one sent), as a log shows it. */
function lastMessage(messages: ModelMessage[]): string {
  const last = messages[messages.length - 1];
  return typeof last?.content === 'string' ? last.content : '';
}


/**
 * Nobody could answer: the error reads as the specialist asked (its code
 * decides the exit status), with what happened to each stand-in after it.
 */
function nobodyAnswered(asked: SpecialistDefinition, candidates: Candidate[], refused: Map<Candidate, string>, failed: Map<Candidate, ModelErrorPart>): AishError {
  const [primary, ...others] = candidates;
  const primaryFailure = failed.get(primary!);
  const code = primaryFailure?.code ?? 'PROVIDER_UNAVAILABLE';
  const notes = others.flatMap((candidate) => {
    const failure = failed.get(candidate);
    if (failure) return [`fallback ${candidate.specialist.id} failed too: ${failure.message}`];
    const refusal = refused.get(candidate);
    return refusal ? [`fallback ${refusal}`] : [];
  });
  const message = [primaryFailure?.message ?? refused.get(primary!) ?? `${asked.id} did not answer`, ...notes].join('; ');
  return new AishError(code, message, { specialist_id: asked.id });
}



/** Routed calls a specialist needs for a capability before measurements count. */
export const MEASURED_AFTER = 10;

/**
 * The score a route uses: the configured one until a specialist has
 * MEASURED_AFTER routed calls for the capability, then scaled by its success
 * rate and by its speed (an average answer of 30 s halves the score).
 */
export function adjustedScore(configured: number, stats: { requests: number; successes: number; total_ms: number } | undefined): number {
  if (!stats || stats.requests < MEASURED_AFTER) return configured;
  const successRate = stats.successes / stats.requests;
  const averageSeconds = stats.total_ms / stats.requests / 1000;
  return Math.round(configured * successRate * (1 / (1 + averageSeconds / 30)) * 100) / 100;
}
