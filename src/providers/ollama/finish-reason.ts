/** Ollama's `done_reason` → aish's `FinishReason`. */
import type { FinishReason } from '../provider.js';

/** Maps the `done: true` line's `done_reason`. */
export function mapOllamaDoneReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    default:
      return 'other';
  }
}
