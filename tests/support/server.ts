/** A real aish server on a random loopback port, in this process. */
import { createApp, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { builtinRoster } from '../../src/config/index.js';

export function embeddedService(): SpecialistService {
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo' });
}

export async function startTestServer(service = embeddedService(), options: { maxBodyBytes?: number } = {}): Promise<RunningServer> {
  return startServer(createApp({ service }), { host: '127.0.0.1', port: 0, ...options });
}

/** A real server whose specialists answer from an OpenAI-compatible fake at `origin`. */
export async function startServerOverOpenAi(origin: string): Promise<RunningServer> {
  const service = new SpecialistService({
    roster: builtinRoster(),
    defaultModel: 'openai/gpt-4o-mini',
    providers: { openai: { api_key: 'sk-test', base_url: `${origin}/v1` } },
  });
  return startTestServer(service);
}

/** A clock a test moves by hand, for session expiry without waiting in real time. */
export interface ManualClock {
  /** What the service reads (ms since the epoch). */
  now: () => number;
  advance(seconds: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance: (seconds) => {
      time += seconds * 1000;
    },
  };
}
