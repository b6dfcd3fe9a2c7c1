export { type ApplyChange, applyCampaigns, getCampaign, listCampaigns, type StoredCampaign } from './campaigns.ts';
export { countCandidateOutcomes, findPendingCandidates, markEvaluated, type NewCandidate, recordCandidates } from './candidates.ts';
export { createDb, type Db } from './client.ts';
export { databaseConnectionProblem } from './connection-problem.ts';
export { completePollRun, failPollRun, findPollRunsSince, getPollRuns, startPollRun } from './poll-runs.ts';
export {
  countPromptsByStatus,
  findFailedPrompts,
  findPromptsByKeys,
  findRecentlyPrompted,
  findStaleQueued,
  getPrompt,
  getPromptStatuses,
  holdForReview,
  insertPrompts,
  listPrompts,
  markFailed,
  type NewPrompt,
  type Prompt,
  type PromptFilter,
  type PromptRef,
  type PromptStatus,
  retryFailed,
  reviewPrompt,
  withdrawQueued,
} from './prompts.ts';
export { eraseAllData } from './reset.ts';
export {
  type ClaimedPrompt,
  claimForSending,
  type Delivery,
  extendLease,
  markSent,
  releaseLease,
  type SendLease,
} from './sending.ts';
