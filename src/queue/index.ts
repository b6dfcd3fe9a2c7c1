export type { Enqueue, Services } from './handlers/context.ts';
export { messageOf } from './handlers/send.ts';
export { EVALUATE_BATCH_SIZE, sendJobsFor } from './jobs.ts';
export { type CampaignRunSummary, type RunOnceOptions, type RunSummary, runOnce } from './run-once.ts';
export { createRuntime, isIdle, type Runtime, type RuntimeOptions } from './runtime.ts';
export { syncSchedulers } from './schedulers.ts';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.ts';
