/** The planner: name resolution and lowering parsed pipelines into plain-data steps. */
export * from './plan.js';
export { planPipeline, type PlanContext, type PlanResult } from './lower.js';
export { findExecutable, findSpecialist, findSpecialistByName, suggestNames, type BuiltinKind, type SpecialistDirectory } from './resolve.js';
export { parseAiArgs, AI_FLAGS, MAX_JOBS, RECORD_KINDS, type AiOptions, type AiArgs, type RecordKind } from './flags.js';
export { literalText, printPipeline, printWord } from '../syntax/index.js';
export { parseSchemaSpec, parseSchemaText, conciseSchema, type SchemaSpec } from './schema-spec.js';
