/**
 * The tool loop (docs/tools.md): a specialist's model is offered the tools its
 * allow-list (`tools:`, `--tools`, `--no-tools`) permits; when it answers with tool
 * calls, they run at once (in parallel) on their MCP servers, their results go back,
 * and the model is asked again — at most `max_tool_rounds` times. A tool's failure,
 * timeout or refusal is a result the model reads; only a dead server ends the call.
 */
import { AishError, joinSignals, toAishError, type PendingToolCall, type StreamEvent, type ToolCallRecord, type ToolCallStatus } from '../protocol/index.js';
import type { LanguageModel, ModelMessage, ModelPart, ModelRequest, ToolCall, ToolDefinition, ToolResult } from '../providers/index.js';
import type { McpCallOutcome, McpTool } from '../mcp/client.js';

/** The MCP servers, as the loop uses them (`McpClients` in src/mcp). */
export interface ToolHost {
  has(server: string): boolean;
  tools(server: string): Promise<McpTool[]>;
  call(server: string, tool: string, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<McpCallOutcome>;
  /** Stops the servers it started. */
  close?(): Promise<void>;
}

/** Asks the user before each call (`--confirm-tools`): false sends the call back refused. */
export type ToolConfirm = (call: PendingToolCall) => Promise<boolean>;

/** `limits.max_tool_rounds` and `limits.tool_timeout` defaults. */
export const DEFAULT_MAX_TOOL_ROUNDS = 10;
export const DEFAULT_TOOL_TIMEOUT_S = 60;
/** A result longer than this (bytes) is cut, with a note to the model. */
export const TOOL_RESULT_LIMIT = 1024 * 1024;

/** The loop's settings. */
export interface ToolLimits {
  maxRounds: number;
  timeoutMs: number;
}

/** A tool event the loop adds to the model's parts (the service gives it the specialist's id). */
export type ToolEvent = { type: 'tool.start'; call_id: string; name: string; arguments: string } | ({ type: 'tool.done'; call_id: string } & ToolCallRecord);

/** `SERVER.TOOL` or `SERVER.*`. */
const PATTERN = /^([A-Za-z0-9_-]+)\.(\*|[^\s*]+)$/;

/** The problem with a tool pattern, if any. */
export function toolPatternProblem(pattern: string): string | undefined {
  return PATTERN.test(pattern) ? undefined : `${JSON.stringify(pattern)} is not a tool pattern (SERVER.TOOL or SERVER.*)`;
}

/** The server a pattern names. */
export function patternServer(pattern: string): string {
  return pattern.slice(0, pattern.indexOf('.'));
}

function matches(patterns: readonly string[], server: string, tool: string): boolean {
  return patterns.some((pattern) => pattern === `${server}.*` || pattern === `${server}.${tool}`);
}

/**
 * The name a provider is shown: `SERVER__TOOL`, dots as `__`, anything else a provider
 * forbids as `_` (the loop maps names back through its own table, so this need not invert).
 */
export function offeredName(server: string, tool: string): string {
  return `${server}.${tool}`.replaceAll('.', '__').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** The tools of one call: what the model is offered, and how its calls map back. */
export class ToolBox {
  private constructor(
    readonly definitions: ToolDefinition[],
    private readonly byName: Map<string, McpTool>,
    private readonly host: ToolHost,
    private readonly limits: ToolLimits,
    private readonly confirm: ToolConfirm | undefined,
  ) {}

  /**
   * The tools a call may use: the specialist's patterns, narrowed by the request's
   * (or, with `widen`, replaced by them). Undefined when nothing is allowed. Starts
   * the servers named (a server that will not start is thrown).
   */
  static async open(
    host: ToolHost | undefined,
    own: readonly string[] | undefined,
    requested: readonly string[] | undefined,
    options: { widen: boolean; limits: ToolLimits; confirm?: ToolConfirm | undefined },
  ): Promise<ToolBox | undefined> {
    const lists = requested === undefined ? [own ?? []] : options.widen ? [requested] : [own ?? [], requested];
    if (lists.some((list) => list.length === 0)) return undefined;
    for (const pattern of requested ?? []) {
      const problem = toolPatternProblem(pattern);
      if (problem) throw new AishError('BAD_REQUEST', `--tools: ${problem}`, { field: 'tools' });
    }
    const servers = [...new Set(lists.at(-1)!.map(patternServer))].filter((server) => lists.every((list) => list.some((pattern) => patternServer(pattern) === server)));
    if (!host) {
      if (servers.length === 0) return undefined;
      throw new AishError('BAD_REQUEST', `no MCP server named '${servers[0]}' in mcp_servers`, { server: servers[0] });
    }
    for (const server of servers) if (!host.has(server)) throw new AishError('BAD_REQUEST', `no MCP server named '${server}' in mcp_servers`, { server });
    const listed = await Promise.all(servers.map((server) => host.tools(server)));
    const byName = new Map<string, McpTool>();
    const definitions: ToolDefinition[] = [];
    for (const tool of listed.flat()) {
      if (!lists.every((list) => matches(list, tool.server, tool.name))) continue;
      const name = offeredName(tool.server, tool.name);
      if (byName.has(name)) continue;
      byName.set(name, tool);
      definitions.push({ name, ...(tool.description !== undefined && { description: tool.description }), inputSchema: tool.inputSchema });
    }
    if (definitions.length === 0) return undefined;
    return new ToolBox(definitions, byName, host, options.limits, options.confirm);
  }

  /**
   * The model's answer with tools: rounds of model → calls → results until it answers
   * in text. Parts pass through as the model gives them (text, usage summed over the
   * rounds, finish), with the loop's tool events among them; a dead server or one round
   * too many ends the stream with an `error` part.
   */
  async *answer(model: LanguageModel, request: ModelRequest, specialist: string, signal: AbortSignal): AsyncGenerator<ModelPart | ToolEvent> {
    const messages: ModelMessage[] = [...request.messages];
    const events = new EventQueue<ToolEvent>();
    const usage = { input: 0, output: 0 };
    let sawUsage = false;
    // Text a model wrote before its calls ("Let me read it.") must not run into the next round's.
    let lineOpen = false;
    for (let round = 0; ; round++) {
      const calls: ToolCall[] = [];
      let text = '';
      let finish: ModelPart | undefined;
      for await (const part of model.stream({ ...request, messages, tools: this.definitions }, signal)) {
        if (part.type === 'text-delta' && lineOpen && part.text !== '') {
          lineOpen = false;
          yield { type: 'text-delta', text: '\n' };
        }
        if (part.type === 'tool-call') calls.push(part);
        else if (part.type === 'usage') {
          sawUsage = true;
          usage.input += part.input;
          usage.output += part.output;
        } else if (part.type === 'finish' || part.type === 'error') finish = part;
        else {
          text += part.text;
          yield part;
        }
        if (finish) break;
      }
      if (signal.aborted || !finish) return;
      if (finish.type === 'error' || calls.length === 0) {
        if (sawUsage) yield { type: 'usage', ...usage };
        yield finish;
        return;
      }
      if (round >= this.limits.maxRounds) {
        yield { type: 'error', code: 'TOOL_ROUNDS_EXCEEDED', message: `stopped after ${this.limits.maxRounds} tool rounds` };
        return;
      }
      events.open();
      const running = this.runRound(calls, specialist, signal, (event) => events.push(event));
      void running.then(() => events.pause());
      yield* events.drain();
      const outcome = await running;
      if (signal.aborted) return;
      if (outcome instanceof AishError) {
        yield { type: 'error', code: outcome.code, message: outcome.message };
        return;
      }
      if (text !== '' && !text.endsWith('\n')) lineOpen = true;
      messages.push({ role: 'assistant', content: text, toolCalls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })) });
      messages.push({ role: 'user', content: '', toolResults: outcome });
    }
  }

  /** Runs a round's calls in parallel: their results in the calls' order, or the error of a server that died (the other calls are stopped). */
  private async runRound(calls: ToolCall[], specialist: string, signal: AbortSignal, emit: (event: ToolEvent) => void): Promise<ToolResult[] | AishError> {
    const round = new AbortController();
    const both = joinSignals([signal, round.signal]);
    try {
      return await Promise.all(calls.map((call) => this.run(call, specialist, both.signal, emit)));
    } catch (error) {
      round.abort();
      return toAishError(error);
    } finally {
      both.dispose();
    }
  }

  private async run(call: ToolCall, specialist: string, signal: AbortSignal, emit: (event: ToolEvent) => void): Promise<ToolResult> {
    const tool = this.byName.get(call.name);
    const name = tool ? `${tool.server}.${tool.name}` : call.name.replace('__', '.');
    const refusal = await this.refusal(call, tool, name, specialist);
    const started = Date.now();
    emit({ type: 'tool.start', call_id: call.id, name, arguments: call.arguments });
    const { status, text } = refusal ?? statusOf(await this.host.call(tool!.server, tool!.name, JSON.parse(call.arguments.trim() || '{}') as Record<string, unknown>, { signal, timeoutMs: this.limits.timeoutMs }));
    const content = capped(text);
    emit({ type: 'tool.done', call_id: call.id, name, arguments: call.arguments, status, bytes: Buffer.byteLength(content), duration_ms: Date.now() - started });
    return { callId: call.id, name: call.name, content, ...(status !== 'ok' && { isError: true }) };
  }

  /** Why a call does not run (the outcome sent back instead), or undefined when it may. */
  private async refusal(call: ToolCall, tool: McpTool | undefined, name: string, specialist: string): Promise<{ status: ToolCallStatus; text: string } | undefined> {
    // Only offered tools run: a name the model made up (or remembered) is refused back to it.
    if (!tool) return { status: 'refused', text: `tool ${name} is not allowed for ${specialist}` };
    const problem = argumentsProblem(call.arguments);
    if (problem) return { status: 'error', text: problem };
    const { confirm } = this;
    if (!confirm) return undefined;
    // One question at a time on the terminal, in the calls' order.
    const asked = this.asking.then(() => confirm({ specialist, name, arguments: call.arguments }));
    this.asking = asked.then(
      () => {},
      () => {},
    );
    return (await asked.catch(() => false)) ? undefined : { status: 'refused', text: `the user refused to run ${name}` };
  }

  private asking: Promise<void> = Promise.resolve();
}

function statusOf(result: McpCallOutcome): { status: ToolCallStatus; text: string } {
  return { status: result.timedOut ? 'timeout' : result.isError ? 'error' : 'ok', text: result.text };
}

/** What is wrong with the model's arguments (JSON text of an object), if anything. */
function argumentsProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    return `the arguments are not valid JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the arguments must be a JSON object';
  return undefined;
}

/** A result over {@link TOOL_RESULT_LIMIT} bytes, cut on a character boundary, with a note. */
export function capped(text: string): string {
  if (Buffer.byteLength(text) <= TOOL_RESULT_LIMIT) return text;
  const cut = Buffer.from(text).subarray(0, TOOL_RESULT_LIMIT).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut}\n[aish: the result was cut at 1 MiB of ${Buffer.byteLength(text)} bytes]`;
}

/** A tool event as the stream shows it. */
export function toolStreamEvent(event: ToolEvent, specialistId: string): StreamEvent {
  return { ...event, specialist_id: specialistId };
}

/** Events pushed by running calls, yielded in order by the loop until the round pauses it. */
class EventQueue<T> {
  private items: T[] = [];
  private paused = false;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  /** The round has ended: `drain` ends once it has yielded what is queued. */
  pause(): void {
    this.paused = true;
    this.wake?.();
  }

  /** A round starts. */
  open(): void {
    this.paused = false;
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield* this.items.splice(0);
        continue;
      }
      if (this.paused) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
