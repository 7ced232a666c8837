/**
 * The server's daily cap per client (`server.budget_per_day`): each client
 * (its token, or its address) may spend so many US dollars per local day on
 * model calls; past it, calls are refused with BUDGET_EXCEEDED (402). The
 * server says who the client is by running its request in `clientScope`, so
 * every way in (HTTP, SSE, sessions, bulk, WebSocket, the OpenAI view) is
 * counted in the one place all model calls pass: the service. The amounts
 * are kept in the server's store (table client_spending), so a restart does
 * not forget them and replicas of one database share them.
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

/** Where spending is kept: the server's store, so a restart (or another replica) knows it. */
export interface SpendingStore {
  addClientSpending(client: string, day: string, usd: number): Promise<number>;
  clientSpending(client: string, day: string): Promise<number>;
}

export class ClientBudgets {
  /** Spending as this process counted it: what is used while the store cannot be reached. */
  private readonly spent = new Map<string, { day: string; usd: number }>();
  private store: (() => Promise<SpendingStore>) | undefined;

  constructor(
    private readonly perDay: number,
    private readonly clock: () => number = Date.now,
  ) {
    counting = true;
  }

  /** Keeps the spending in the service's store (opened when first needed). */
  keepIn(store: () => Promise<SpendingStore>): void {
    this.store = store;
  }

  /** Throws BUDGET_EXCEEDED when the calling client has spent its day's budget. */
  async check(): Promise<void> {
    const client = clientScope.getStore();
    if (client === undefined) return;
    const spent = await this.spentBy(client);
    if (spent < this.perDay) return;
    throw new AishError('BUDGET_EXCEEDED', `this client has spent its daily budget on this server ($${spent.toFixed(4)} of $${this.perDay.toFixed(2)}); it renews at local midnight`, {
      reason: 'server',
      limit_usd: this.perDay,
      spent_usd: spent,
    });
  }

  /** Counts a finished (or stopped) call's cost against the calling client. */
  async add(dollars: number): Promise<void> {
    const client = clientScope.getStore();
    if (client === undefined || !(dollars > 0)) return;
    const day = this.today();
    const counted = this.spent.get(client);
    this.spent.set(client, { day, usd: (counted?.day === day ? counted.usd : 0) + dollars });
    try {
      if (this.store) await (await this.store()).addClientSpending(client, day, dollars);
    } catch {
      // The store is away: this process's own count stands in until it is back.
    }
  }

  private async spentBy(client: string): Promise<number> {
    const day = this.today();
    const counted = this.spent.get(client);
    const own = counted?.day === day ? counted.usd : 0;
    if (!this.store) return own;
    try {
      return Math.max(own, await (await this.store()).clientSpending(client, day));
    } catch {
      return own;
    }
  }

  private today(): string {
    const now = new Date(this.clock());
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  }
}
