/**
 * A tool call's arguments travel as JSON text in aish (`ToolCall.arguments`,
 * as OpenAI sends them), while Anthropic and Ollama want and give an object.
 * These two functions cross between the forms.
 */
import { isObject } from './decode.js';

/**
 * The arguments as the object an API wants back in the conversation. Text
 * that is not a JSON object (the model wrote bad JSON, which the tool loop
 * reported to it as an error) goes back as `{}`: the API refuses anything
 * else there, and the error result already tells the model what went wrong.
 */
export function argumentsObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** Arguments a provider gave as a value (an object, as a rule) → the JSON text aish passes on. */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value ?? {});
}
