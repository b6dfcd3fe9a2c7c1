export { createDb, type Db } from './client.ts';
export { applyCampaigns, getCampaign, listCampaigns, type ApplyChange, type StoredCampaign } from './campaigns.ts';
export { countCandidateOutcomes, findPendingCandidates, markEvaluated, recordCandidates, type NewCandidate } from './candidates.ts';
export { completePollRun, failPollRun, getPollRuns, startPollRun } from './poll-runs.ts';
export {
  countPromptsByStatus,
  findStaleQueued,
  getPrompt,
  hasRecentPrompt,
  insertPromptIfAbsent,
  listPrompts,
  markFailed,
  markSent,
  recordAttempt,
  type NewPrompt,
  type Prompt,
  type PromptFilter,
  type PromptStatus,
} from './prompts.ts';
export { eraseAllData } from './reset.ts';
