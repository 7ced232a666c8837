/**
 * The server's daily cap per client (`server.budget_per_day`): each client
 * (its token, or its address) may spend so many US dollars per local day on
 * model calls; past it, calls are refused with BUDGET_EXCEEDED (402). The
 * server says who the client is by running its request in `clientScope`, so
 * every way in (HTTP, SSE, sessions, bulk, WebSocket, the OpenAI view) is
 * counted in the one place all model calls pass: the service.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AishError } from '../protocol/index.js';

/** Who is calling, as the server knows it; absent for the embedded service. */
export const clientScope = new AsyncLocalStorage<string>();

/** Set once a ClientBudgets exists: only then is anyone counted. */
let counting = false;

/**
 * Runs `work` with `client` in scope when a budget counts clients, else just
 * runs it: once an AsyncLocalStorage is entered, every promise of the process
 * pays for its hooks (about 6% of a server's time under 1,000 streams).
 */
export function runAsClient<T>(client: string, work: () => Promise<T>): Promise<T> {
  return counting ? clientScope.run(client, work) : work();
}

export class ClientBudgets {
  private readonly spent = new Map<string, { day: string; usd: number }>();

  constructor(
    private readonly perDay: number,
    private readonly clock: () => number = Date.now,
  ) {
    counting = true;
  }

  /** Throws BUDGET_EXCEEDED when the calling client has spent its day's budget. */
  check(): void {
    const client = clientScope.getStore();
    if (client === undefined) return;
    const spent = this.spentBy(client);
    if (spent < this.perDay) return;
    throw new AishError('BUDGET_EXCEEDED', `this client has spent its daily budget on this server ($${spent.toFixed(4)} of $${this.perDay.toFixed(2)}); it renews at local midnight`, {
      reason: 'server',
      limit_usd: this.perDay,
      spent_usd: spent,
    });
  }

  /** Counts a finished (or stopped) call's cost against the calling client. */
  add(dollars: number): void {
    const client = clientScope.getStore();
    if (client === undefined || !(dollars > 0)) return;
    this.spent.set(client, { day: this.today(), usd: this.spentBy(client) + dollars });
  }

  private spentBy(client: string): number {
    const entry = this.spent.get(client);
    return entry && entry.day === this.today() ? entry.usd : 0;
  }

  private today(): string {
    const now = new Date(this.clock());
    return `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
  }
}
