/**
 * Each specialist's status (`active | degraded | unavailable`) as the
 * service sees it right now, and who wants to hear when one changes
 * (WebSocket `subscribe` for `event.status`). The circuit breaker around a
 * specialist's model is what moves a status; everything starts `active`.
 *
 * With a relay (replicas sharing Redis), a change seen here is published to
 * the other replicas and theirs are applied here, so a breaker that opens on
 * one replica makes the specialist `unavailable` on all of them: the last
 * change heard wins.
 */
import type { StatusChange, StatusListener, StatusRelay } from '../coord/index.js';
import type { SpecialistStatus } from '../protocol/index.js';

export type { StatusChange, StatusListener } from '../coord/index.js';

export class StatusBoard {
  private readonly statuses = new Map<string, SpecialistStatus>();
  private readonly listeners = new Set<StatusListener>();
  private readonly unsubscribe: (() => void) | undefined;

  /**
   * `relay` shares statuses with other replicas; `ownStatus` is what this
   * process's own breaker says of a specialist, which a change heard from
   * elsewhere never hides: while the breaker here is open, calls here are
   * refused, so the specialist stays `unavailable` here.
   */
  constructor(
    private readonly relay?: StatusRelay,
    private readonly ownStatus: (specialistId: string) => SpecialistStatus | undefined = () => undefined,
  ) {
    if (!relay) return;
    this.unsubscribe = relay.subscribe((change) => this.heard(change));
    // A replica that starts after a breaker opened elsewhere learns of it now.
    void relay.current().then(
      (changes) => changes.forEach((change) => this.heard(change)),
      () => {},
    );
  }

  get(specialistId: string): SpecialistStatus {
    return this.statuses.get(specialistId) ?? 'active';
  }

  /** Records a status seen here (and tells the other replicas); listeners hear only real changes. */
  set(specialistId: string, status: SpecialistStatus): void {
    if (this.apply(specialistId, status)) this.relay?.publish({ specialist_id: specialistId, status });
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops hearing the other replicas. */
  close(): void {
    this.unsubscribe?.();
  }

  private heard(change: StatusChange): void {
    const own = this.ownStatus(change.specialist_id);
    this.apply(change.specialist_id, own === 'unavailable' ? own : change.status);
  }

  /** Records a status; whether it changed (listeners hear only real changes). */
  private apply(specialistId: string, status: SpecialistStatus): boolean {
    if (this.get(specialistId) === status) return false;
    this.statuses.set(specialistId, status);
    for (const listener of this.listeners) listener({ specialist_id: specialistId, status });
    return true;
  }
}
