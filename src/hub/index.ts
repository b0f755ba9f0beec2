export { HubError, type HubFailure } from './errors.js';
export { hubSettings, hubCacheDir, type HubSettings } from './settings.js';
export { ALIASES, aliasesOf, parseHubName, repoIdOf, type CheckpointLayoutChoice, type HubModelName } from './model-names.js';
export { planPull, executePull, pullModel, type PullPlan, type PullProgress, type PullResult, type PullOptions, type ExecuteOptions } from './pull.js';
export { listCachedModels, findCachedModel, describeCheckpoint, type LocalModel } from './local-models.js';
export { planRemoval, executeRemoval, type RemovalPlan } from './remove-model.js';
export { summarizeModel, kvCacheBytes, type ModelSummary, type BackendMemory, type ExpertsPlan, type TensorGroup } from './model-summary.js';
export { resolveModelArgument, DEMO_MODEL, type ResolveOptions } from './resolve-model.js';
export { repoFolder } from './cache-layout.js';
