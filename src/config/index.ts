/** Configuration: the config file, Markdown specialists, XDG paths, the built-in roster, `auto`. */
export * from './roster.js';
export * from './paths.js';
export { loadConfig, ollamaHostUrl, DEFAULT_BASE_URLS, type AishConfig, type KeyedProviderSettings, type LoadConfigOptions, type ServerSettings } from './load-config.js';
export { ConfigError, formatProblem, displayPath, type ConfigProblem } from './config-error.js';
export { chooseAutoModel, probeOllama, AUTO_MODELS, NAMED_OLLAMA_PROBE_TIMEOUT_MS, OLLAMA_PROBE_TIMEOUT_MS, type AutoModelChoice, type ChooseAutoModelOptions, type OllamaProbe } from './auto-model.js';
export { substituteEnv, type Substitution } from './substitute.js';
export { modelReferenceProblem, PROVIDER_IDS, type ProviderId } from './model-reference.js';
export { genericSystemPrompt } from './roster-merge.js';
export { BUILTIN_PRICES, costOf, priceOf, type ModelPrice, type PriceTable } from './prices.js';
export { RENDER_SETTINGS, type RenderSetting } from './config-file.js';
export { durationSeconds, type BudgetFields, type CacheFields } from './spending-sections.js';
