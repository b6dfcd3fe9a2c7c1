export type { Context, Services, Transports } from './context.ts';
export { DEFER_MARGIN_MS } from './deferral.ts';
export { type DryRunOptions, type DryRunProgress, type DryRunServices, dryRunCampaign } from './dry-run.ts';
export {
  CriteriaFacts,
  countOutcomes,
  DryRunCandidate,
  DryRunCounts,
  DryRunReport,
  DryRunSample,
  reasonGroup,
  TriggerFacts,
} from './dry-run-report.ts';
export { abandonEvaluation, type EvaluateOutcome, evaluateCandidates } from './evaluate.ts';
export { announcedWaitMs, type FailureKind, failureKind, retryDelayMs } from './failures.ts';
export { decideSend, type PatientNow, SEND_RULES, type SendDecision, type SendRule, type SendRuleInput } from './policy.ts';
export { type PollOutcome, pollCampaign } from './poll.ts';
export type {
  ClaimedPrompt,
  Clock,
  Delivery,
  Enqueue,
  FailedPrompt,
  NewPrompt,
  PatientOptOut,
  PendingCandidate,
  PollRunRecord,
  PromptRef,
  PromptStatus,
  ReviewDecision,
  SendLease,
  StaleQueuedPrompt,
  Store,
  StoredCampaign,
  StoredResultsPreference,
  ValueSetSource,
} from './ports.ts';
export { isRedecidable } from './ports.ts';
export { type PreviewResult, previewPrompt } from './preview.ts';
export {
  NotRetryableError,
  PromptExpiredError,
  type RetryContext,
  type RetryOutcome,
  type RetryTarget,
  retryFailedPrompts,
} from './retry.ts';
export { type ReviewResult, reviewPrompt } from './review.ts';
export { type CampaignRunSummary, type RunSummary, summariseCampaigns, totalsOf } from './run-summary.ts';
export {
  abandonSend,
  countOf,
  LeaseLostError,
  messageOf,
  type SendOutcome,
  sendPrompts,
  UnknownChannelError,
} from './send.ts';
export { candidateKey, type QueuedWork, requeueUnfinishedWork, type SweepOptions, type SweepResult } from './sweep.ts';
export {
  EVALUATE_BATCH_SIZE,
  EvaluateWork,
  evaluateJobsFor,
  type PolledCandidate,
  PollWork,
  SEND_BATCH_SIZE,
  SendWork,
  sendJobsFor,
} from './work.ts';
