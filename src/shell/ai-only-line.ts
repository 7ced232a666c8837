/**
 * Whether a line may run for an MCP client that is not allowed Unix commands
 * (docs/mcp.md "run_pipeline"): only AI stages, fan-outs, `@capability`,
 * `team-chat`, `echo` and here-strings/here-documents. Everything through
 * which a command, a file or this machine's environment could be reached is
 * refused before anything runs, naming what was refused: a Unix command,
 * any other builtin (`command`, `source`, `alias` …), `!cmd`, `$(…)`,
 * backticks, `$NAME`, `~`, glob patterns, `$((…))`, redirects from or to
 * files, compound commands, assignments and `&` jobs.
 */
import { BUILTIN_KINDS } from '../exec/index.js';
import { findExecutable, planPipeline, type PipelinePlan, type SpecialistDirectory, type StepPlan } from '../plan/index.js';
import { literalText, walk, type Node, type Script } from '../syntax/index.js';

/** Builtins an MCP client may use without Unix commands: they only print or ask specialists. */
const SAFE_BUILTINS = new Set(['echo', 'team-chat']);

/** Why `script` (parsed from `text`) may not run without Unix commands, or undefined when it may. */
export function unixRefusal(script: Script, text: string, directory: SpecialistDirectory): string | undefined {
  const backtick = backtickOutsideSingleQuotes(text);
  if (backtick) return 'backticks (`…`) would run a command in sh; put the text in single quotes';
  let refusal: string | undefined;
  walk(script, (node) => {
    refusal ??= syntaxRefusal(node, text);
    return refusal === undefined;
  });
  if (refusal) return refusal;
  for (const list of script.lists) {
    for (const item of list.items) {
      for (const pipeline of [item.body.first, ...item.body.rest.map((link) => link.pipeline)]) {
        const planned = planPipeline(pipeline, {
          builtins: BUILTIN_KINDS,
          directory,
          aliases: new Map(),
          expandName: literalText,
          findExecutable: (name) => findExecutable(name),
        });
        // A name that resolves to nothing fails when the line runs, before any stage starts.
        if (!planned.ok) continue;
        refusal = pipelineRefusal(planned.plan);
        if (refusal) return refusal;
      }
    }
  }
  return undefined;
}

/** What the syntax alone gives away. */
function syntaxRefusal(node: Node, text: string): string | undefined {
  const written = 'span' in node ? `'${text.slice(node.span.start, node.span.end)}'` : '';
  switch (node.kind) {
    case 'list-item':
      return node.background ? `${written}: a background job (&)` : undefined;
    case 'command':
      if (node.forced === 'bang') return `${written}: !NAME runs a Unix command`;
      if (node.forced === 'command') return `${written}: 'command' runs a Unix command`;
      return undefined;
    case 'substitution':
      return `${written}: $(…) runs a command line`;
    case 'variable':
      return `${written}: $${node.name} would read this machine's variables`;
    case 'arithmetic':
      return `${written}: $((…)) is not allowed`;
    case 'tilde':
      return `'~': it names this machine's home folder`;
    case 'glob':
      return `${written}: unquoted pattern characters would list this machine's files; quote them`;
    case 'file-redirect':
      return `${written}: a redirect ${node.operator === '<' ? 'from' : 'to'} a file`;
    case 'if':
    case 'while':
    case 'for':
      return `'${node.kind}': compound commands`;
    case 'assignments':
    case 'assignment':
      return `${written}: assignments`;
    default:
      return undefined;
  }
}

function pipelineRefusal(plan: PipelinePlan): string | undefined {
  for (const step of plan.stages) {
    const refusal = stepRefusal(step);
    if (refusal) return refusal;
  }
  return undefined;
}

function stepRefusal(step: StepPlan): string | undefined {
  switch (step.kind) {
    case 'ai':
    case 'route':
      return undefined;
    case 'unix':
      return `'${step.program}' is a Unix command`;
    case 'builtin':
      return SAFE_BUILTINS.has(step.name) ? undefined : `'${step.name}' is a builtin that reaches beyond the specialists`;
    case 'group':
      return pipelineRefusal(step.pipeline);
    case 'fanout':
      for (const branch of step.branches) {
        const refusal = pipelineRefusal(branch.pipeline);
        if (refusal) return refusal;
      }
      return undefined;
    case 'compound':
      return `'${step.text}': compound commands`;
    case 'assign':
      return 'assignments';
  }
}

/**
 * A backtick where sh would run what it encloses (outside single quotes, not
 * escaped). aish does not run backticks, but a line written for sh might
 * expect it to, so it is refused rather than sent as text.
 */
function backtickOutsideSingleQuotes(text: string): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (single) {
      if (c === "'") single = false;
    } else if (c === '\\') {
      i++;
    } else if (c === "'" && !double) {
      single = true;
    } else if (c === '"') {
      double = !double;
    } else if (c === '`') {
      return true;
    }
  }
  return false;
}
