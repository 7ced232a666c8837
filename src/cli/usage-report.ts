/**
 * `--usage`: token counts and money cost on stderr after a pipeline that
 * asked an AI, one line per exchange and, when there were several, a total.
 *
 *   aish: usage: apollo 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)
 *   aish: usage: athena 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)
 *   aish: usage: total 62 in / 44 out tokens, $0.000036
 */
import type { Exchange } from '../exec/index.js';

/** An exchange and its cost in dollars (undefined: unknown). */
export interface PricedExchange {
  exchange: Exchange;
  cost: number | undefined;
}

/** Dollars as people read them: `$0`, `$0.00028` (two significant digits below a dollar), `$1.25`. */
export function formatUsd(dollars: number): string {
  if (dollars === 0) return '$0';
  if (dollars < 0.000001) return '<$0.000001';
  if (dollars < 1) return `$${Number(dollars.toPrecision(2))}`;
  return `$${dollars.toFixed(2)}`;
}

/** The `--usage` lines for one pipeline's exchanges: one each, and a total when there are several. */
export function usageLines(priced: readonly PricedExchange[]): string[] {
  const lines = priced.map(({ exchange, cost }) => {
    const cached = exchange.cached_from != null ? `, cached (exchange ${exchange.cached_from})` : '';
    return `aish: usage: ${exchange.specialist} ${tokens(exchange)}, ${costText(cost)}${cached}${exchange.model ? ` (${exchange.model})` : ''}`;
  });
  if (priced.length < 2) return lines;
  const known = priced.filter((entry) => entry.exchange.tokens_in !== null);
  const input = known.reduce((sum, entry) => sum + (entry.exchange.tokens_in ?? 0), 0);
  const output = known.reduce((sum, entry) => sum + (entry.exchange.tokens_out ?? 0), 0);
  const dollars = priced.reduce((sum, entry) => sum + (entry.cost ?? 0), 0);
  const unknown = priced.filter((entry) => entry.cost === undefined).length;
  const cost = unknown === priced.length ? 'cost unknown' : `${formatUsd(dollars)}${unknown > 0 ? ` + ${unknown} of unknown cost` : ''}`;
  lines.push(`aish: usage: total ${input} in / ${output} out tokens, ${cost}`);
  return lines;
}

function tokens(exchange: Exchange): string {
  if (exchange.tokens_in === null || exchange.tokens_out === null) return `tokens unknown (${exchange.status})`;
  return `${exchange.tokens_in} in / ${exchange.tokens_out} out tokens`;
}

function costText(cost: number | undefined): string {
  return cost === undefined ? 'cost unknown' : formatUsd(cost);
}
