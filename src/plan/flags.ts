/**
 * The flags of an AI stage (docs/language.md "AI stages"), parsed from its expanded
 * argument words. Words that are not flags form the instruction; `--` ends
 * the flags so text that starts with `--` can still be sent.
 */

export interface AiOptions {
  /** `true` for a bare `--session` (start a new one). */
  session?: string | true;
  getId?: boolean;
  contextWindow?: number;
  stream?: boolean;
  temperature?: number;
  maxTokens?: number;
  model?: string;
  timeoutSeconds?: number;
  json?: boolean;
  threshold?: number;
  /** `-C` / `--continue`: the session this terminal used last. */
  continue?: boolean;
  /** `--max-input BYTES`: the most input this stage reads (0 = no limit). */
  maxInput?: number;
  /** `--binary`: send input that holds NUL bytes. */
  binary?: boolean;
  /** `--each` (or `--records`): one call per input record instead of one for the whole input. */
  each?: boolean;
  /** `--records KIND`: how records are separated (lines by default). */
  records?: RecordKind;
  /** `-j N` / `--jobs N`: calls at once with `--each` (default 4). */
  jobs?: number;
  /** `--schema SPEC` / `--schema-multi SPEC`: the answer is JSON matching SPEC (multi: one value per line). */
  schema?: { spec: string; multi: boolean };
  /** `--tools LIST` (comma-separated `SERVER.TOOL` / `SERVER.*` patterns), or `[]` for `--no-tools`. */
  tools?: string[];
}

export type AiArgs = { ok: true; instruction: string; options: AiOptions } | { ok: false; message: string };

type NumberFlag = 'contextWindow' | 'temperature' | 'maxTokens' | 'timeoutSeconds' | 'threshold' | 'maxInput' | 'jobs';

/** How `--each` cuts its input into records. */
export const RECORD_KINDS = ['lines', 'paragraphs', 'nul', 'jsonl'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The most calls `--each` runs at once. */
export const MAX_JOBS = 64;

const NUMBER_FLAGS: Record<string, { key: NumberFlag; integer: boolean; min: number; max: number }> = {
  '--context-window': { key: 'contextWindow', integer: true, min: 0, max: 1_000_000 },
  '--temperature': { key: 'temperature', integer: false, min: 0, max: 2 },
  '--max-tokens': { key: 'maxTokens', integer: true, min: 1, max: 10_000_000 },
  '--timeout': { key: 'timeoutSeconds', integer: false, min: 0.001, max: 86_400 },
  '--threshold': { key: 'threshold', integer: false, min: 0, max: 1 },
  '--max-input': { key: 'maxInput', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  '--jobs': { key: 'jobs', integer: true, min: 1, max: MAX_JOBS },
};

/** Every flag an AI stage accepts, for help and completion. */
export const AI_FLAGS = ['--session', '--continue', '-C', '--get-id', '--stream', '--no-stream', '--json', '--binary', '--model', '--schema', '--schema-multi', '--each', '--records', '-j', '--tools', '--no-tools', ...Object.keys(NUMBER_FLAGS)];

/** `SERVER.TOOL` or `SERVER.*`. */
const TOOL_PATTERN = /^[A-Za-z0-9_-]+\.(\*|[^\s*,]+)$/;

/** A session id or name: no blanks, not a flag (so `--session "a question"` keeps the question). */
const SESSION_NAME = /^[A-Za-z0-9_.:@-]{1,128}$/;

export function parseAiArgs(args: readonly string[]): AiArgs {
  const options: AiOptions = {};
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    if (raw === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (raw === '-C') {
      options.continue = true;
      continue;
    }
    if (raw === '-j' || /^-j\d+$/.test(raw)) {
      // `-j N` or `-jN`: the short form of --jobs.
      const value = raw === '-j' ? args[++i] : raw.slice(2);
      const jobs = Number(value);
      if (value === undefined || !Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
        return { ok: false, message: `'-j' needs a whole number from 1 to ${MAX_JOBS}, not '${value ?? ''}'` };
      }
      options.jobs = jobs;
      continue;
    }
    if (!raw.startsWith('--') || raw.length === 2) {
      words.push(raw);
      continue;
    }
    const eq = raw.indexOf('=');
    const flag = eq === -1 ? raw : raw.slice(0, eq);
    const inline = eq === -1 ? undefined : raw.slice(eq + 1);
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined) return undefined;
      i++;
      return next;
    };
    switch (flag) {
      case '--session': {
        const next = args[i + 1];
        if (inline !== undefined) options.session = inline;
        else if (next !== undefined && !next.startsWith('-') && SESSION_NAME.test(next)) options.session = args[++i]!;
        else options.session = true;
        break;
      }
      case '--continue':
        options.continue = true;
        break;
      case '--get-id':
      case '--json':
        options[flag === '--json' ? 'json' : 'getId'] = true;
        break;
      case '--binary':
        options.binary = true;
        break;
      case '--each':
        options.each = true;
        break;
      case '--records': {
        const value = takeValue();
        if (!(RECORD_KINDS as readonly string[]).includes(value ?? '')) return { ok: false, message: `'--records' needs one of ${RECORD_KINDS.join(', ')}, not '${value ?? ''}'` };
        options.records = value as RecordKind;
        options.each = true;
        break;
      }
      case '--stream':
      case '--no-stream':
        options.stream = flag === '--stream';
        break;
      case '--model': {
        const value = takeValue();
        if (!value) return { ok: false, message: "'--model' needs a model name, such as ollama/llama3.1" };
        options.model = value;
        break;
      }
      case '--tools': {
        const value = takeValue();
        const patterns = (value ?? '').split(',').map((pattern) => pattern.trim()).filter(Boolean);
        const bad = patterns.find((pattern) => !TOOL_PATTERN.test(pattern));
        if (patterns.length === 0 || bad !== undefined) return { ok: false, message: `'--tools' needs tool patterns such as files.read_text_file,docs.* (SERVER.TOOL or SERVER.*), not '${bad ?? value ?? ''}'` };
        options.tools = patterns;
        break;
      }
      case '--no-tools':
        options.tools = [];
        break;
      case '--schema':
      case '--schema-multi': {
        const value = takeValue();
        if (value === undefined || value.trim() === '') return { ok: false, message: `'${flag}' needs a JSON Schema, a .json file, or fields such as 'name, age int'` };
        if (options.schema) return { ok: false, message: "give one '--schema' or '--schema-multi', not two" };
        options.schema = { spec: value, multi: flag === '--schema-multi' };
        break;
      }
      default: {
        const spec = NUMBER_FLAGS[flag];
        if (!spec) return { ok: false, message: `unknown flag '${flag}' (write -- before text that starts with '--')` };
        const value = takeValue();
        const number = value === undefined || value.trim() === '' ? NaN : Number(value);
        if (!Number.isFinite(number) || (spec.integer && !Number.isInteger(number)) || number < spec.min || number > spec.max) {
          const kind = spec.integer ? 'a whole number' : 'a number';
          return { ok: false, message: `'${flag}' needs ${kind} from ${spec.min} to ${spec.max}, not '${value ?? ''}'` };
        }
        options[spec.key] = number;
      }
    }
  }
  return { ok: true, instruction: words.join(' '), options };
}
