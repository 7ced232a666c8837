/** OpenAI's `finish_reason` → aish's `FinishReason`. */
import type { FinishReason } from '../provider.js';

/** Maps a chunk's `finish_reason`; a stream that never gave one finished for no stated reason. */
export function mapOpenAiFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    default:
      return 'other';
  }
}
