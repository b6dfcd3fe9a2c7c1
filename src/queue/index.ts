export { type RunOnceOptions, runOnce } from './run-once.ts';
export { createRuntime, isIdle, type Runtime, type RuntimeOptions } from './runtime.ts';
export { type SchedulerSync, syncSchedulers } from './schedulers.ts';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.ts';
