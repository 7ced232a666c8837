/** Helpers to run a model and look at what it streamed. */
import type { LanguageModel, ModelErrorPart, ModelPart, ModelRequest } from '../../../src/providers/index.js';

/** Every part of one stream, in order. */
export async function collect(model: LanguageModel, request: ModelRequest, signal = new AbortController().signal): Promise<ModelPart[]> {
  const parts: ModelPart[] = [];
  for await (const part of model.stream(request, signal)) parts.push(part);
  return parts;
}

/** The text parts joined. */
export function textOf(parts: ModelPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
}

/** The one error part, if any. */
export function errorOf(parts: ModelPart[]): ModelErrorPart | undefined {
  return parts.find((part): part is ModelErrorPart => part.type === 'error');
}
