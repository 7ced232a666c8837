/**
 * The MCP tools: one per available specialist, `route`, `broadcast` and
 * `run_pipeline` (docs/mcp.md "Tools"). A failed call is a tool result with
 * `isError: true` whose text starts with aish's error code; unknown tools and
 * bad arguments are the SDK's own protocol errors. The request's AbortSignal
 * goes down to the model call, so a cancelled request stops it.
 */
import type { CallToolResult, McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { AishError, collectAnswer, DEFAULT_ROUTE_THRESHOLD, toAishError, type SpecialistInfo, type Specialists } from '../protocol/index.js';
import type { McpBackend } from './backend.js';

/** Tool names aish itself uses; a specialist with one of these ids gets no tool of its own. */
export const FIXED_TOOLS = ['route', 'broadcast', 'run_pipeline'] as const;

/** How many capabilities a specialist tool's description names. */
const TOP_CAPABILITIES = 3;

/*
 * The input schemas, built once and shared by every server instance: HTTP
 * builds an instance per request, and building zod schemas (and zod's
 * compiled parser for each new one) was most of that cost.
 */
const SPECIALIST_INPUT = z.object({
  message: z.string().describe('what to ask'),
  session: z.string().optional().describe('a session id or name: the specialist remembers earlier messages there (a new name starts one)'),
  schema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('a JSON Schema the answer must match: the answer is then JSON, validated, and given as structuredContent too'),
});
const ROUTE_INPUT = z.object({ capability: z.string().describe('a capability, such as code-analysis'), message: z.string() });
const BROADCAST_INPUT = z.object({ specialists: z.array(z.string()).min(1).describe('specialist ids, such as ["apollo", "athena"]'), message: z.string() });
const RUN_PIPELINE_INPUT = z.object({
  line: z.string().describe(`an aish line, such as: apollo << "explain monads" | athena "make it shorter"`),
  input: z.string().optional().describe("text for the first stage's stdin"),
});

/** Registers every tool; returns the specialist tools by id so status changes can hide and show them. */
export function registerTools(server: McpServer, backend: McpBackend, specialists: SpecialistInfo[]): Map<string, RegisteredTool> {
  const byId = new Map<string, RegisteredTool>();
  for (const specialist of specialists) {
    if ((FIXED_TOOLS as readonly string[]).includes(specialist.id)) continue;
    const tool = registerSpecialist(server, backend.specialists, specialist);
    if (specialist.status === 'unavailable') tool.disable();
    byId.set(specialist.id, tool);
  }
  registerRoute(server, backend.specialists);
  registerBroadcast(server, backend.specialists);
  if (backend.runLine) registerRunPipeline(server, backend);
  return byId;
}

function registerSpecialist(server: McpServer, specialists: Specialists, specialist: SpecialistInfo): RegisteredTool {
  return server.registerTool(
    specialist.id,
    {
      title: specialist.name,
      description: describe(specialist),
      inputSchema: SPECIALIST_INPUT,
    },
    async ({ message, session, schema }, ctx) =>
      failuresAsResults(async () => {
        const answer = await ask(specialists, specialist.id, message, session, ctx.mcpReq.signal, { ...(schema && { schema }) });
        return { content: [{ type: 'text', text: answer.content }], ...(schema && { structuredContent: structured(answer.data) }) };
      }),
  );
}

/** "Code analysis (code-analysis 0.95, debugging 0.9, review 0.85)": what a client shows and a model reads to choose. */
function describe(specialist: SpecialistInfo): string {
  const top = Object.entries(specialist.capabilities.scores)
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_CAPABILITIES)
    .map(([name, score]) => `${name} ${score}`);
  return top.length > 0 ? `${specialist.description} (${top.join(', ')})` : specialist.description;
}

function registerRoute(server: McpServer, specialists: Specialists): void {
  server.registerTool(
    'route',
    {
      description: `Asks the specialist best at a capability (score ${DEFAULT_ROUTE_THRESHOLD} or more); the answer is headed by who answered.`,
      inputSchema: ROUTE_INPUT,
    },
    async ({ capability, message }, ctx) =>
      failuresAsResults(async () => {
        const best = await specialists.best(capability.replace(/^@/, ''), DEFAULT_ROUTE_THRESHOLD);
        const answer = await ask(specialists, best.best_match.id, message, undefined, ctx.mcpReq.signal, { capability: best.capability });
        return { content: [{ type: 'text', text: heading(answer.answeredBy) + answer.content }] };
      }),
  );
}

function registerBroadcast(server: McpServer, specialists: Specialists): void {
  server.registerTool(
    'broadcast',
    {
      description: 'Asks several specialists the same message at once; one answer per specialist, in the order given, each headed by its id.',
      inputSchema: BROADCAST_INPUT,
    },
    async ({ specialists: ids, message }, ctx) => {
      const answers = await Promise.all(
        ids.map((id) =>
          ask(specialists, id, message, undefined, ctx.mcpReq.signal).then(
            (answer) => ({ ok: true as const, text: answer.content }),
            (error: unknown) => ({ ok: false as const, text: errorText(toAishError(error)) }),
          ),
        ),
      );
      return {
        content: answers.map((answer, index) => ({ type: 'text' as const, text: heading(ids[index]!) + answer.text })),
        ...(answers.some((answer) => !answer.ok) && { isError: true }),
      };
    },
  );
}

function registerRunPipeline(server: McpServer, backend: McpBackend): void {
  const runLine = backend.runLine!;
  server.registerTool(
    'run_pipeline',
    {
      description:
        'Runs an aish command line (AI stages, fan-outs such as apollo,athena, @capability routing, echo and here-strings) and returns its stdout and exit status. Unix commands are refused unless the server allows them.',
      inputSchema: RUN_PIPELINE_INPUT,
    },
    async ({ line, input }, ctx) =>
      failuresAsResults(async () => {
        const result = await runLine(line, input, ctx.mcpReq.signal);
        const status = `exit status ${result.status}` + (result.stderr.trim() === '' ? '' : `\n${result.stderr.trimEnd()}`);
        return { content: [{ type: 'text', text: result.stdout }, { type: 'text', text: status }], ...(result.status !== 0 && { isError: true }) };
      }),
  );
}

/** What a call may add to the message: the capability it was routed for, a schema for a typed answer. */
interface AskOptions {
  capability?: string;
  schema?: Record<string, unknown>;
}

/** One answer, whole; a session by id or name when given (created when new). */
async function ask(
  specialists: Specialists,
  id: string,
  message: string,
  session: string | undefined,
  signal: AbortSignal,
  options: AskOptions = {},
): Promise<{ content: string; answeredBy: string; data?: unknown }> {
  let answeredBy = id;
  const events =
    session === undefined
      ? specialists.stream(id, { content: message, ...options }, signal)
      : specialists.streamSession(await sessionFor(specialists, id, session), { message, specialist_id: id, ...(options.schema && { schema: options.schema }) }, signal);
  const answer = await collectAnswer(events, { onStart: (start) => (answeredBy = start.specialist_id), signal });
  return { content: answer.content, answeredBy, ...('data' in answer.done && { data: answer.done.data }) };
}

/** MCP's structuredContent is an object: a typed answer that is not one (a list, a number) is given as {value}. */
function structured(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : { value: data };
}

/** The session named `name` (by id or name), created for `id` when there is none. */
async function sessionFor(specialists: Specialists, id: string, name: string): Promise<string> {
  const created = await specialists.createSession({ specialist_id: id, name, continue_existing: true });
  return created.id;
}

/** The header fan-outs print, so answers read the same as on the command line. */
function heading(id: string): string {
  return `── ${id} ──\n`;
}

function errorText(error: AishError): string {
  return `${error.code}: ${error.message}`;
}

/** Runs a tool's work; an aish failure becomes an `isError` result naming its code. */
async function failuresAsResults(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    return { content: [{ type: 'text', text: errorText(toAishError(error)) }], isError: true };
  }
}
