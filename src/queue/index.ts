export type { Enqueue, Services } from './handlers/context.ts';
export { runOnce, type CampaignRunSummary, type RunOnceOptions, type RunSummary } from './run-once.ts';
export { createRuntime, isIdle, type Runtime, type RuntimeOptions } from './runtime.ts';
export { startWorker, type RunningWorker, type WorkerOptions } from './worker.ts';
export { syncSchedulers } from './schedulers.ts';
