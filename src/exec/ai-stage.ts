/**
 * An AI stage: reads all of its input, sends instruction + input to a
 * specialist, and streams the answer to its stdout (docs/language.md "AI stages").
 */
import { exitStatusFor, toAishError, type MessageRequest } from '../protocol/index.js';
import { parseAiArgs, type AiOptions } from '../plan/index.js';
import { sessionFor, usesSession } from './session-call.js';
import type { ExecContext } from './context.js';
import { answerOutput, AnswerWriter, type AnswerForm } from './answer-writer.js';
import { DEFAULT_MAX_INPUT, readStageInput } from './stage-input.js';
import { loadSchema } from './stage-schema.js';
import { releaseSource, type Sink, type Source } from './streams.js';

export interface AiCall {
  specialist: string;
  /** Set when `@capability` routed here: the call is measured for that capability. */
  capability?: string;
  args: string[];
  source: Source;
  stdout: Sink;
  stderr: Sink;
}

/** The message: the instruction, a blank line, then the input (either may be absent). */
export function composeMessage(instruction: string, input: string | undefined): string {
  if (input === undefined) return instruction;
  return instruction === '' ? input : `${instruction}\n\n${input}`;
}

export async function runAiStage(call: AiCall, context: ExecContext): Promise<number> {
  const { specialist } = call;
  const parsed = parseAiArgs(call.args);
  if (!parsed.ok) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: ${parsed.message}`);
    return 1;
  }
  const { options } = parsed;
  if (options.contextWindow !== undefined && !usesSession(options)) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: --context-window needs --session or -C`);
    return 1;
  }
  const typed = options.schema ? loadSchema(options.schema.spec, options.schema.multi) : undefined;
  if (typed && !typed.ok) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: ${typed.message}`);
    return 1;
  }
  if (options.each) return runEachStage(call, parsed.instruction, options, typed, context);
  const input = await readStageInput(call.source, context, specialist, options);
  const content = composeMessage(parsed.instruction, input);
  if (content === '') {
    context.reporter.error(`aish: ${specialist}: nothing to send`);
    return 1;
  }
  const { generation, timeoutSeconds } = generationFor(options, typed, context);
  const left = await context.session.budget?.left();
  if (left !== undefined) generation.max_cost = left;
  // A typed answer is validated before anything of it is written, so it is never streamed.
  const form: AnswerForm = options.getId ? 'session-id' : options.json ? 'json' : typed ? 'typed' : options.stream === false ? 'text' : 'stream';
  const out = answerOutput(call.stdout, context, form);
  const answer = { specialist, form, message: content, timeoutSeconds };
  if (call.capability) generation.capability = call.capability;
  if (!usesSession(options)) return new AnswerWriter(answer, out, context).run((signal, hooks) => context.specialists.stream(specialist, { content, ...generation }, signal, hooks));
  let sessionId: string;
  try {
    sessionId = await sessionFor(specialist, options, context);
  } catch (error) {
    const failure = toAishError(error);
    context.reporter.error(`aish: ${specialist}: ${failure.message}`);
    await out.end();
    return exitStatusFor(failure.code);
  }
  context.host.setCurrentSession(sessionId);
  const request = { message: content, specialist_id: specialist, ...generation, ...(options.contextWindow !== undefined && { context_window: options.contextWindow }) };
  return new AnswerWriter({ ...answer, sessionId }, out, context).run((signal, hooks) => context.specialists.streamSession(sessionId, request, signal, hooks));
}


/** `--each`: one call per record of the input (each.ts). */
async function runEachStage(call: AiCall, instruction: string, options: AiOptions, typed: TypedSpec | undefined, context: ExecContext): Promise<number> {
  const { specialist } = call;
  if (usesSession(options) || options.getId) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: --each cannot be used with --session, -C or --get-id: the records would interleave in one conversation`);
    return 1;
  }
  const { generation, timeoutSeconds } = generationFor(options, typed, context);
  if (call.capability) generation.capability = call.capability;
  const maxInput = options.maxInput ?? (await context.session.maxInputBytes?.()) ?? DEFAULT_MAX_INPUT;
  // Loaded on first use: a line without --each does not load it.
  const { DEFAULT_JOBS, runEach } = await import('./each.js');
  const request = { specialist, instruction, records: options.records ?? 'lines', jobs: options.jobs ?? DEFAULT_JOBS, json: Boolean(options.json), maxInput, timeoutSeconds, generation } as const;
  // Records are written as they are: no Markdown, no final-newline rule (the separator ends each one).
  return runEach(request, call.source, answerOutput(call.stdout, context, 'json'), context);
}

/** A loaded `--schema`: the JSON Schema and whether a list of values is asked for. */
interface TypedSpec {
  schema: Record<string, unknown>;
  multi: boolean;
}

/** What every call of a stage carries besides its message: the stage's flags and the run's settings. */
function generationFor(options: AiOptions, typed: TypedSpec | undefined, context: ExecContext): { generation: Omit<MessageRequest, 'content'>; timeoutSeconds: number | undefined } {
  const generation: Omit<MessageRequest, 'content'> = {};
  if (options.temperature !== undefined) generation.temperature = options.temperature;
  if (options.maxTokens !== undefined) generation.max_tokens = options.maxTokens;
  if (options.model !== undefined) generation.model = options.model;
  // The provider is asked for a whole answer too, not only the output held back.
  if (options.stream === false) generation.no_stream = true;
  if (context.session.cache !== undefined) generation.cache = context.session.cache;
  // The service knows the deadline too, so it never waits (a backoff, a Retry-After) past it.
  const timeoutSeconds = options.timeoutSeconds ?? context.session.defaultTimeoutSeconds;
  if (timeoutSeconds !== undefined) generation.timeout = timeoutSeconds;
  if (options.tools !== undefined) generation.tools = options.tools;
  if (typed) {
    generation.schema = typed.schema;
    if (typed.multi) generation.schema_multi = true;
  }
  return { generation, timeoutSeconds };
}
