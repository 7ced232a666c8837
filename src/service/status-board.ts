/**
 * Each specialist's status (`active | degraded | unavailable`) as the
 * service sees it right now, and who wants to hear when one changes
 * (WebSocket `subscribe` for `event.status`). The circuit breaker around a
 * specialist's model is what moves a status; everything starts `active`.
 */
import type { SpecialistStatus } from '../protocol/index.js';

export interface StatusChange {
  specialist_id: string;
  status: SpecialistStatus;
}

export type StatusListener = (change: StatusChange) => void;

export class StatusBoard {
  private readonly statuses = new Map<string, SpecialistStatus>();
  private readonly listeners = new Set<StatusListener>();

  get(specialistId: string): SpecialistStatus {
    return this.statuses.get(specialistId) ?? 'active';
  }

  /** Records a status; listeners hear only real changes. */
  set(specialistId: string, status: SpecialistStatus): void {
    if (this.get(specialistId) === status) return;
    this.statuses.set(specialistId, status);
    for (const listener of this.listeners) listener({ specialist_id: specialistId, status });
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
