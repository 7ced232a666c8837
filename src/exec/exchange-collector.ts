/**
 * An exchange log that also keeps every finished exchange in a list, for a
 * run that reports its exchanges at the end (`aish --json -c LINE`). The log
 * it wraps, if any, still gets everything, and answers everything else.
 */
import type { Exchange, ExchangeLog } from './exchange.js';

/** Stands in when there is no log at all: records nothing, as the `history` builtin would say. */
const NO_LOG: ExchangeLog = {
  record: async () => {},
  pipelineEnded: async () => {},
  history: async (_args, io) => {
    await io.err('aish: history: the exchange log is not available here\n');
    return 1;
  },
  commandLine: async () => undefined,
};

export function collectingLog(inner: ExchangeLog | undefined, into: Exchange[]): ExchangeLog {
  const log = inner ?? NO_LOG;
  return new Proxy(log, {
    get(target, property) {
      if (property === 'record') {
        return async (exchange: Exchange): Promise<void> => {
          into.push(exchange);
          await target.record(exchange);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
