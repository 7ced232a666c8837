/**
 * The specialist service: the one implementation of what the protocol means
 * (discovery, routing, message streams, performance). The embedded default
 * calls it in-process; `aish serve` (a later layer) puts HTTP on top of it.
 */
import { AishError, toAishError } from '../protocol/index.js';
import type {
  BestMatch,
  MessageRequest,
  MessageResponse,
  SpecialistDefinition,
  SpecialistInfo,
  Specialists,
  SpecialistStatus,
  StreamEvent,
} from '../protocol/index.js';
import { createModel, type LanguageModel, type ProviderSettings } from '../providers/index.js';
import { PerformanceBook } from './performance.js';

export interface ServiceOptions {
  roster: SpecialistDefinition[];
  /**
   * What `model: auto` means on this machine, or how to find out (probing
   * for Ollama takes time, so it happens once, when a model is first needed).
   */
  defaultModel: string | (() => Promise<string>);
  /** Keys and base URLs of the providers (from the config). */
  providers?: ProviderSettings;
}

export interface DiscoveryFilter {
  capability?: string;
  min_score?: number;
  status?: SpecialistStatus;
}

export class SpecialistService implements Specialists {
  private readonly byName = new Map<string, SpecialistDefinition>();
  private readonly performance = new PerformanceBook();

  constructor(private readonly options: ServiceOptions) {
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

  private defaultModel(): Promise<string> {
    const { defaultModel } = this.options;
    this.defaultModelChoice ??= typeof defaultModel === 'string' ? Promise.resolve(defaultModel) : defaultModel();
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
    let content = '';
    let model = '';
    for await (const event of this.stream(id, request, signal)) {
      if (event.type === 'start') model = event.model;
      else if (event.type === 'content') content += event.data;
      else if (event.type === 'error') throw new AishError(event.code, event.message);
      else return { content, specialist_id: event.specialist_id, model, tokens_used: event.tokens_used, finish_reason: event.finish_reason, elapsed_ms: Date.now() - started };
    }
    throw new AishError('CANCELLED', 'the request was cancelled');
  }

  private describe(specialist: SpecialistDefinition, defaultModel: string): SpecialistInfo {
    return {
      id: specialist.id,
      name: specialist.name,
      aliases: [...specialist.aliases],
      description: specialist.description,
      status: 'active',
      model: this.modelOf(specialist, defaultModel),
      capabilities: { primary: [...specialist.capabilities.primary], scores: { ...specialist.capabilities.scores } },
      performance: this.performance.of(specialist.id),
      features: { streaming: true, sessions: false, websocket: false },
    };
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

  async *stream(id: string, request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const specialist = this.find(id);
    if (typeof request.content !== 'string' || request.content === '') {
      throw new AishError('BAD_REQUEST', "'content' must be a non-empty string", { field: 'content' });
    }
    if (request.session_id !== undefined) {
      throw new AishError('BAD_REQUEST', 'sessions are not available in this version of aish', { session_id: request.session_id });
    }
    const reference = this.modelOf(specialist, await this.defaultModel(), request.model);
    const model = this.model(reference);
    const started = Date.now();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const specialistId = specialist.id;
    let outcome: 'success' | 'failure' | 'cancelled' = 'cancelled';
    try {
      yield { type: 'start', specialist_id: specialistId, request_id: newRequestId(), model: reference };
      const tokens = { input: 0, output: 0 };
      let finishReason = 'stop';
      const parts = model.stream(
        {
          system: specialist.system,
          messages: [{ role: 'user', content: request.content }],
          ...(request.temperature !== undefined && { temperature: request.temperature }),
          ...(request.max_tokens !== undefined && { maxTokens: request.max_tokens }),
          caller: specialistId,
        },
        controller.signal,
      );
      for await (const part of parts) {
        if (controller.signal.aborted) return;
        switch (part.type) {
          case 'text-delta':
            yield { type: 'content', data: part.text, specialist_id: specialistId };
            break;
          case 'usage':
            tokens.input = part.input;
            tokens.output = part.output;
            break;
          case 'finish':
            finishReason = part.reason;
            break;
          case 'error':
            outcome = 'failure';
            yield { type: 'error', code: part.code, message: part.message };
            return;
        }
      }
      if (controller.signal.aborted) return;
      outcome = 'success';
      yield { type: 'done', specialist_id: specialistId, tokens_used: tokens, finish_reason: finishReason };
    } catch (error) {
      outcome = 'failure';
      const failure = toAishError(error);
      yield { type: 'error', code: failure.code, message: failure.message };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
      if (outcome !== 'cancelled') this.performance.record(specialistId, Date.now() - started, outcome === 'success');
    }
  }

  private model(reference: string): LanguageModel {
    const model = createModel(reference, this.options.providers);
    if (!model) {
      throw new AishError('BAD_REQUEST', `unknown model '${reference}' (use provider/model with anthropic, openai or ollama, or echo)`, {
        model: reference,
      });
    }
    return model;
  }

  async best(capability: string, threshold: number): Promise<BestMatch> {
    const ranked = this.options.roster
      .filter((specialist) => capability in specialist.capabilities.scores)
      .map((specialist) => ({
        id: specialist.id,
        score: specialist.capabilities.scores[capability]!,
        is_primary: specialist.capabilities.primary.includes(capability),
        measured: this.performance.of(specialist.id),
      }))
      .sort((a, b) => b.score - a.score || Number(b.is_primary) - Number(a.is_primary) || b.measured.success_rate - a.measured.success_rate);
    const matches = ranked.map(({ id, score, is_primary }) => ({ id, score, is_primary }));
    const [first, ...rest] = matches;
    if (!first || first.score < threshold) {
      const best = matches.slice(0, 3).map((match) => `${match.id} (${match.score})`).join(', ');
      throw new AishError('NO_MATCH', `no specialist for @${capability} at or above ${threshold}${best ? `; best candidates: ${best}` : ''}`, {
        capability,
        threshold,
        candidates: matches.slice(0, 3),
      });
    }
    return { capability, best_match: first, alternatives: rest };
  }

  async close(): Promise<void> {}
}

/** Request ids only tell requests apart in logs and streams; they guard nothing, so no crypto (it costs start-up time). */
function newRequestId(): string {
  return `req_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
