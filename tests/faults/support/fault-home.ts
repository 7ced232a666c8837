/**
 * A temporary HOME whose config.yaml points the openai provider at a fake
 * and makes every specialist answer with it, with fast timeouts and backoff
 * so fault tests finish quickly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAish, tempHome, type RunResult } from '../../support/aish.js';

/** Limits small enough for tests; a test overrides what it is about. */
export const FAST_LIMITS = {
  connect_timeout: 2,
  first_token_timeout: 5,
  idle_timeout: 5,
  max_attempts: 3,
  retry_base_delay: 0.01,
  retry_max_delay: 2,
  breaker_threshold: 50,
  breaker_cooldown: 30,
};

export interface FaultHomeOptions {
  limits?: Partial<typeof FAST_LIMITS>;
  /** Extra YAML appended to the file (`specialists:` …). */
  extra?: string;
}

/** A HOME for the fake provider at `origin` (`http://127.0.0.1:PORT`). */
export function faultHome(origin: string, options: FaultHomeOptions = {}): string {
  const home = tempHome();
  const limits = { ...FAST_LIMITS, ...options.limits };
  const yaml = [
    'providers:',
    `  openai: { api_key: sk-test, base_url: "${origin}/v1" }`,
    'default_model: openai/fake',
    'limits:',
    ...Object.entries(limits).map(([key, value]) => `  ${key}: ${value}`),
    options.extra ?? '',
  ].join('\n');
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), yaml + '\n');
  return home;
}

/** The messages a session keeps, as `role: content` lines (through the same CLI, embedded or `--server`). */
export async function sessionMessages(home: string, name: string, server?: string): Promise<string[]> {
  const args = [...(server ? ['--server', server] : []), 'sessions', 'show', name, '--json'];
  const shown: RunResult = await runAish(args, { home });
  if (shown.status !== 0) throw new Error(`sessions show ${name} failed: ${shown.stderr}`);
  return (JSON.parse(shown.stdout) as { messages: { role: string; content: string }[] }).messages.map((message) => `${message.role}: ${message.content}`);
}

/** The file's content, or undefined when it does not exist. */
export function fileContent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
