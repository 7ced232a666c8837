/**
 * The words of `aish history` and the `history` builtin:
 *
 *   history [--search WORDS] [--specialist NAME] [--since DATE] [--limit N] [--json]
 *   history show ID [--json]
 *   history --cost [--since DATE] [--json]
 *
 * Options take their value as the next word or after `=` (`--limit=5`).
 */

/** How many exchanges a listing shows unless `--limit` says otherwise. */
export const DEFAULT_LIMIT = 20;

/** What the words ask for. */
export type HistoryRequest =
  | { kind: 'help' }
  | { kind: 'list'; json: boolean; search?: string; specialist?: string; since?: number; limit: number }
  | { kind: 'show'; json: boolean; id: number }
  | { kind: 'cost'; json: boolean; since?: number };

type Parsed = { ok: true; request: HistoryRequest } | { ok: false; message: string };

const VALUE_OPTIONS = ['--search', '--specialist', '--since', '--limit'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

const SINCE_FORMS = 'a date (2025-11-20), a date and time (2025-11-20T14:30), a time ago (30m, 12h, 2d, 1w), today or yesterday';

/** Reads the words; `now` is the time relative `--since` values count back from. */
export function parseHistoryArguments(args: readonly string[], now: number): Parsed {
  const values: Partial<Record<ValueOption, string>> = {};
  const flags = { json: false, cost: false };
  const positional: string[] = [];
  if (args.includes('--help') || args.includes('-h')) return { ok: true, request: { kind: 'help' } };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json' || arg === '--cost') {
      flags[arg === '--json' ? 'json' : 'cost'] = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) {
      return fail(`unknown option '${name}' (history takes --search, --specialist, --since, --limit, --cost, --json; or show ID)`);
    }
    const value = eq < 0 ? args[++index] : arg.slice(eq + 1);
    if (value === undefined) return fail(`${name} needs a value`);
    values[name as ValueOption] = value;
  }
  if (positional[0] === 'show') return showRequest(positional.slice(1), values, flags);
  if (positional.length > 0) return fail(`unexpected '${positional[0]}' (to search, use --search "${positional.join(' ')}")`);
  let since: number | undefined;
  if (values['--since'] !== undefined) {
    const parsed = parseSince(values['--since'], now);
    if (parsed === undefined) return fail(`--since: expected ${SINCE_FORMS}; got '${values['--since']}'`);
    since = parsed;
  }
  if (flags.cost) {
    const extra = (['--search', '--specialist', '--limit'] as const).find((name) => values[name] !== undefined);
    if (extra) return fail(`--cost sums every exchange; it takes --since and --json, not ${extra}`);
    return { ok: true, request: { kind: 'cost', json: flags.json, ...(since !== undefined && { since }) } };
  }
  let limit = DEFAULT_LIMIT;
  if (values['--limit'] !== undefined) {
    limit = Number(values['--limit']);
    if (!/^\d+$/.test(values['--limit']) || limit < 1) return fail(`--limit: expected a whole number above 0, got '${values['--limit']}'`);
  }
  const search = values['--search'];
  if (search !== undefined && search.trim() === '') return fail('--search needs words to look for');
  const request: HistoryRequest = {
    kind: 'list',
    json: flags.json,
    limit,
    ...(search !== undefined && { search }),
    ...(values['--specialist'] !== undefined && { specialist: values['--specialist'] }),
    ...(since !== undefined && { since }),
  };
  return { ok: true, request };
}

function showRequest(words: string[], values: Partial<Record<ValueOption, string>>, flags: { json: boolean; cost: boolean }): Parsed {
  if (words.length === 0) return fail('show: which exchange? (its ID, from the listing)');
  if (words.length > 1 || Object.keys(values).length > 0 || flags.cost) return fail('show takes one ID (and --json)');
  const id = Number(words[0]);
  if (!/^\d+$/.test(words[0]!) || !Number.isSafeInteger(id) || id < 1) return fail(`show: expected an exchange ID (a whole number), got '${words[0]}'`);
  return { ok: true, request: { kind: 'show', json: flags.json, id } };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A `--since` value as ms since the epoch, or undefined when it is not one:
 * `30m`, `12h`, `2d`, `1w` (ago), `today` and `yesterday` (local midnight),
 * `2025-11-20` (local midnight), `2025-11-20T14:30[:05]` or with a space
 * (local time), and the same with `Z` or an offset (`+01:00`).
 */
export function parseSince(text: string, now: number): number | undefined {
  const value = text.trim().toLowerCase();
  const ago = /^(\d+)\s*([mhdw])$/.exec(value);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]!]!;
  if (value === 'today' || value === 'yesterday') {
    const day = new Date(now);
    day.setHours(0, 0, 0, 0);
    if (value === 'yesterday') day.setDate(day.getDate() - 1);
    return day.getTime();
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!date) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = date.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  if (date[7] !== undefined) {
    const parsed = Date.parse(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6] ?? '00'}${date[7] === 'z' ? 'Z' : date[7].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const local = new Date(year!, month! - 1, day, hour, minute, second);
  // `2025-02-30` rolls over to March in Date: refuse it instead.
  const exact = local.getFullYear() === year && local.getMonth() === month! - 1 && local.getDate() === day && local.getHours() === hour && local.getMinutes() === minute;
  return exact ? local.getTime() : undefined;
}

/** What `history --help` prints. */
export const HISTORY_USAGE = `usage: history [--search WORDS] [--specialist NAME] [--since DATE] [--limit N] [--json]
       history show ID [--json]
       history --cost [--since DATE] [--json]

  --search WORDS     exchanges whose message or answer has every word (word* for a prefix)
  --specialist NAME  exchanges with this specialist
  --since DATE       ${SINCE_FORMS}
  --limit N          the N most recent (default ${DEFAULT_LIMIT})
  --cost             tokens and cost summed by specialist and model
  --json             one JSON document
`;

function fail(message: string): Parsed {
  return { ok: false, message };
}
