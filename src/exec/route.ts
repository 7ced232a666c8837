/**
 * `@capability`: asks the service for the best specialist at or above the
 * threshold (default 0.7, `--threshold X`), says on stderr who was chosen,
 * then runs the stage as that specialist.
 */
import { AishError, DEFAULT_ROUTE_THRESHOLD, exitStatusFor, toAishError } from '../protocol/index.js';
import { parseAiArgs } from '../plan/index.js';
import { runAiStage } from './ai-stage.js';
import type { ExecContext } from './context.js';
import { releaseSource, type Sink, type Source } from './streams.js';


export interface RouteCall {
  capability: string;
  args: string[];
  source: Source;
  stdout: Sink;
  stderr: Sink;
  onRoute: ((label: string) => void) | undefined;
}

export async function runRoute(call: RouteCall, context: ExecContext): Promise<number> {
  const parsed = parseAiArgs(call.args);
  const threshold = parsed.ok ? (parsed.options.threshold ?? DEFAULT_ROUTE_THRESHOLD) : DEFAULT_ROUTE_THRESHOLD;
  let chosen: { id: string; score: number };
  try {
    chosen = (await context.specialists.best(call.capability, threshold)).best_match;
  } catch (error) {
    releaseSource(call.source);
    const failure = error instanceof AishError ? error : toAishError(error);
    context.reporter.error(`aish: @${call.capability}: ${failure.message}`);
    return exitStatusFor(failure.code);
  }
  context.reporter.notice(`→ ${chosen.id} (${call.capability} ${chosen.score})`);
  call.onRoute?.(`@${call.capability}→${chosen.id}`);
  return runAiStage({ specialist: chosen.id, args: call.args, source: call.source, stdout: call.stdout, stderr: call.stderr, capability: call.capability }, context);
}
