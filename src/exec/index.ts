/** The executor: runs parsed scripts against a `Specialists` service and the OS. */
export { runScript, cancelLine, PROCESS_IO, type Origin } from './run.js';
export { BUILTIN_KINDS, ExitRequest } from './builtins.js';
export { SESSION_VERBS, sessionVerb, type SessionVerb, type SessionVerbTarget } from './sessions-builtin.js';
export type { ExecContext, ShellState, ShellHost, StdinState, Reporter, ProcessFacts, Job, Display, Progress, BranchProgress, RecordsProgress, RunEvents, StageCall, StageRef, EventStageKind } from './context.js';
export { ScriptError } from './variables.js';
export { composeMessage } from './ai-stage.js';
export { OrderedMerger } from './fanout.js';
export type { Exchange, ExchangeLog, ExchangeStatus, HistoryIo } from './exchange.js';
// The plan's explanation (--dry-run: explain.ts, explain-json.ts) is imported where it is shown, on first use.
export type { PlanDocument, PipelineEntry, StageEntry } from './explain-json.js';
export { collectingLog } from './exchange-collector.js';
export { SharedOutput, TextCollector, type OutputTransform } from './streams.js';
export { ECHO_NOTICE, isEchoModel, isYes, toolCallText, AnswerWriter, answerOutput, type AnswerContext, type AnswerForm } from './answer-writer.js';
export { RunBudget, BUDGET_STATUS, type BudgetLimits } from './budget.js';
export { DEFAULT_MAX_INPUT, overLimitMessage, binaryRefusal } from './stage-input.js';
