/**
 * The recorded provider transcripts in tests/fixtures/providers: the manifest,
 * each body byte for byte, and the status line and headers to replay with it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Reply } from './fake-provider-server.js';

const folder = fileURLToPath(new URL('../../fixtures/providers/', import.meta.url));

/** One manifest entry (the fields these tests read). */
export interface FixtureEntry {
  file: string;
  headers: string;
  status: number;
  kind: 'stream' | 'stream-error' | 'json' | 'error';
  request: { method: string; path: string; headers: Record<string, string>; body: Record<string, unknown> | null };
  expectedText?: string;
  expectedError?: Record<string, unknown>;
  /** The tool calls a tool-call transcript holds, as aish gives them (arguments as JSON text). */
  expectedToolCalls?: { id: string; name: string; arguments: string }[];
  expectedFinish?: string;
  expectedUsage?: { input: number; output: number };
  utf8SplitOffsets?: { inside: number[] }[];
}

const manifest = JSON.parse(readFileSync(`${folder}manifest.json`, 'utf8')) as { fixtures: FixtureEntry[] };

/** The manifest entry for a fixture file. */
export function fixture(file: string): FixtureEntry {
  const entry = manifest.fixtures.find((candidate) => candidate.file === file);
  if (!entry) throw new Error(`no fixture ${file} in the manifest`);
  return entry;
}

/** A fixture's body, byte for byte. */
export function fixtureBody(file: string): Buffer {
  return readFileSync(`${folder}${file}`);
}

/** Every byte offset that falls inside a multi-byte character of a fixture. */
export function utf8SplitOffsets(file: string): number[] {
  return (fixture(file).utf8SplitOffsets ?? []).flatMap((split) => split.inside);
}

/**
 * A fixture as the fake server replays it: the status line and headers of its
 * `.headers` file (framing headers left to the server's HTTP stack), then its body.
 * `body` replaces the recorded body, for variants of a transcript.
 */
export function fixtureReply(file: string, body: Buffer = fixtureBody(file)): Reply {
  const [statusLine = '', ...lines] = readFileSync(`${folder}${fixture(file).headers}`, 'utf8').split('\n');
  const match = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
  if (!match) throw new Error(`bad status line in ${fixture(file).headers}: ${statusLine}`);
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (/^(transfer-encoding|content-length|connection)$/i.test(name)) continue;
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { status: Number(match[1]), reason: match[2] ?? '', headers, body };
}
