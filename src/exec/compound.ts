/**
 * Compound commands (docs/language.md "Scripts"): `if`, `while`, `until`, `for` and `{ …; }`, run
 * in the shell that reaches them, so variables they set are seen after them
 * (a compound command that is one stage of a longer pipeline gets a copy of
 * the shell's state from the pipeline runner, as bash runs it in a subshell).
 * Conditions run with `set -e` suspended; `break N` / `continue N` unwind N
 * loops; Ctrl-C (the line's signal) stops a loop before its next round.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Compound, Script } from '../plan/index.js';
import type { ExecContext } from './context.js';
import { expandWords, type CaptureRunner } from './expand.js';
import type { BranchIo } from './fanout.js';
import { assignVariable } from './variables.js';

/** Thrown by `break` and `continue`; each loop it passes through counts one level. */
export class LoopControl {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

/** Runs a list of commands (a compound command's part) with these ends; provided by run.ts. */
export type BodyRunner = (script: Script, context: ExecContext, io: BranchIo) => Promise<number>;

/** Status of a command stopped by Ctrl-C. */
const INTERRUPTED = 130;
/** Loops let the event loop run (a Ctrl-C, a write to a slow pipe) every this many rounds. */
const ROUNDS_PER_TURN = 16;

export async function runCompound(compound: Compound, io: BranchIo, context: ExecContext, runBody: BodyRunner, capture: CaptureRunner): Promise<number> {
  const body = (script: Script): Promise<number> => runBody(script, context, io);
  const condition = async (script: Script): Promise<number> => {
    context.state.conditionDepth++;
    try {
      return await body(script);
    } finally {
      context.state.conditionDepth--;
    }
  };
  switch (compound.kind) {
    case 'if': {
      for (const branch of compound.branches) {
        const status = await condition(branch.condition);
        if (context.signal.aborted) return INTERRUPTED;
        if (status === 0) return body(branch.body);
      }
      return compound.otherwise ? body(compound.otherwise) : 0;
    }
    case 'while':
      return loop(context, async (round) => {
        const status = await condition(compound.condition);
        if ((status === 0) === compound.until) return undefined;
        return round(() => body(compound.body));
      });
    case 'brace':
      return body(compound.body);
    case 'for': {
      const values = compound.words ? await expandWords(compound.words, context, capture) : [...context.state.positional];
      let index = 0;
      return loop(context, async (round) => {
        if (index >= values.length) return undefined;
        assignVariable(compound.variable, values[index++]!, context.state);
        return round(() => body(compound.body));
      });
    }
  }
}

type Round = (run: () => Promise<number>) => Promise<number | 'break'>;

/**
 * Runs `step` until it returns undefined (the loop is over); its status is
 * the last body's, 0 when the body never ran. `round` runs one body and
 * handles `break`/`continue` aimed at this loop.
 */
async function loop(context: ExecContext, step: (round: Round) => Promise<number | 'break' | undefined>): Promise<number> {
  const { state } = context;
  let status = 0;
  let rounds = 0;
  const round: Round = async (run) => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof LoopControl)) throw error;
      if (error.levels > 1) {
        error.levels--;
        throw error;
      }
      return error.kind === 'break' ? 'break' : 0;
    }
  };
  state.loopDepth++;
  try {
    for (;;) {
      if (++rounds % ROUNDS_PER_TURN === 0) await nextTurn();
      if (context.signal.aborted) return INTERRUPTED;
      const result = await step(round);
      if (result === undefined) return status;
      if (result === 'break') return 0;
      status = result;
    }
  } finally {
    state.loopDepth--;
  }
}
