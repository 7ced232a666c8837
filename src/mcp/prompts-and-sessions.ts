/**
 * MCP prompts and resources: each specialist's system prompt as a prompt
 * named by its id (argument `task`), and each session as the resource
 * `aish://sessions/{id}`, its transcript as Markdown.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { SessionDetail, SpecialistInfo, Specialists } from '../protocol/index.js';

export const SESSION_URI_PREFIX = 'aish://sessions/';

/** Shared by every prompt of every server instance (see the input schemas in tools.ts). */
const PROMPT_ARGS = z.object({ task: z.string().describe('what you want done') });

export function registerPrompts(server: McpServer, specialists: SpecialistInfo[]): void {
  for (const specialist of specialists) {
    server.registerPrompt(
      specialist.id,
      {
        title: specialist.name,
        description: `${specialist.description}: its system prompt, then your task`,
        argsSchema: PROMPT_ARGS,
      },
      ({ task }) => ({
        description: `${specialist.name}: ${specialist.description}`,
        // MCP prompts carry user and assistant messages only: the system prompt leads the user's message.
        messages: [{ role: 'user', content: { type: 'text', text: `${specialist.system_prompt ?? specialist.description}\n\n${task}` } }],
      }),
    );
  }
}

export function registerSessions(server: McpServer, specialists: Specialists): void {
  server.registerResource(
    'session',
    new ResourceTemplate(`${SESSION_URI_PREFIX}{id}`, {
      list: async () => ({
        resources: (await specialists.listSessions()).map((session) => ({
          uri: SESSION_URI_PREFIX + encodeURIComponent(session.id),
          name: session.name ?? session.id,
          description: `${session.specialist_id}, ${session.message_count} messages, last active ${session.last_activity}${session.expired ? ' (expired)' : ''}`,
          mimeType: 'text/markdown',
        })),
      }),
    }),
    { description: 'A kept conversation with a specialist, as Markdown', mimeType: 'text/markdown' },
    async (uri, { id }) => {
      const session = await specialists.getSession(decodeURIComponent(String(id)));
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: transcript(session) }] };
    },
  );
}

/** A session as Markdown: a heading, its facts, then each message under its speaker. */
export function transcript(session: SessionDetail): string {
  const lines = [
    `# Session ${session.name ?? session.id}`,
    '',
    `- id: ${session.id}`,
    `- specialist: ${session.specialist_id}`,
    `- messages: ${session.message_count}`,
    `- created: ${session.created_at}`,
    `- last activity: ${session.last_activity}${session.expired ? ' (expired)' : ''}`,
  ];
  for (const message of session.messages) {
    const speaker = message.role === 'user' ? 'user' : (message.specialist_id ?? session.specialist_id);
    lines.push('', `## ${speaker} (${message.timestamp})`, '', message.content);
  }
  return lines.join('\n') + '\n';
}
