/**
 * Specialist statuses shared between replicas: a breaker that opens on one
 * replica makes the specialist `unavailable` on every replica. One process
 * needs no relay (its status board is the whole truth); replicas pass every
 * change through one (Redis pub/sub) and hear each other's.
 */
import type { SpecialistStatus } from '../protocol/index.js';

/** A specialist's new status, as `event.status` carries it. */
export interface StatusChange {
  specialist_id: string;
  status: SpecialistStatus;
}

export type StatusListener = (change: StatusChange) => void;

export interface StatusRelay {
  /** Tells every other replica about a change seen here (best effort: a relay that is down drops it). */
  publish(change: StatusChange): void;
  /** Hears the changes other replicas publish until the returned function is called. */
  subscribe(listener: StatusListener): () => void;
  /** The statuses other replicas published and that still hold (for a replica that starts late). */
  current(): Promise<StatusChange[]>;
}
