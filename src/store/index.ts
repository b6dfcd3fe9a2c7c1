export { type ApplyChange, applyCampaigns, getCampaign, listCampaigns, type StoredCampaign } from './campaigns.ts';
export { countCandidateOutcomes, findPendingCandidates, markEvaluated, type NewCandidate, recordCandidates } from './candidates.ts';
export { createDb, type Db } from './client.ts';
export { completePollRun, failPollRun, findPollRunsSince, getPollRuns, startPollRun } from './poll-runs.ts';
export {
  type ClaimedPrompt,
  claimForSending,
  countPromptsByStatus,
  extendLease,
  findPromptsByKeys,
  findRecentlyPrompted,
  findStaleQueued,
  getPrompt,
  holdForReview,
  insertPrompts,
  listPrompts,
  markFailed,
  markSent,
  type NewPrompt,
  type Prompt,
  type PromptFilter,
  type PromptRef,
  type PromptStatus,
  releaseLease,
  reviewPrompt,
  withdrawQueued,
} from './prompts.ts';
export { eraseAllData } from './reset.ts';
