export {
  type ApiTokenInfo,
  createApiToken,
  createUser,
  DuplicateEmailError,
  endSession,
  findLogin,
  findSessionUser,
  listApiTokens,
  listUsers,
  recordLoginFailure,
  revokeApiToken,
  startSession,
  type User,
  useApiToken,
} from './accounts.ts';
export { AUDIT_ENTITIES, type AuditEvent, type AuditFilter, recordAudit, searchAudit } from './audit.ts';
export {
  type ApplyChange,
  applyCampaigns,
  type CampaignVersion,
  getCampaign,
  listCampaigns,
  listCampaignVersions,
  parseStoredCampaign,
  type StoredCampaign,
  StoredCampaignError,
} from './campaigns.ts';
export {
  CANDIDATE_OUTCOMES,
  type CandidateOutcome,
  countCandidateOutcomes,
  findPendingCandidates,
  markEvaluated,
  type NewCandidate,
  recordCandidates,
} from './candidates.ts';
export { createDb, type Db } from './client.ts';
export { databaseConnectionProblem } from './connection-problem.ts';
export { type CampaignFigures, campaignFigures, type PeriodFigures } from './figures.ts';
export {
  findOptOuts,
  getPatientRecord,
  type OptOutChange,
  type PatientOptOut,
  type PatientRecord,
  recordOptOut,
  removeOptOut,
} from './patients.ts';
export { completePollRun, failPollRun, findPollRunsSince, getPollRuns, startPollRun } from './poll-runs.ts';
export {
  type AuditAction,
  countPromptsByStatus,
  deferQueued,
  type FailedPrompt,
  findDeferred,
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
  PROMPT_STATUSES,
  type Prompt,
  type PromptFilter,
  type PromptRef,
  type PromptStatus,
  REDECIDABLE_RULES,
  retryFailed,
  reviewPrompt,
  type SendDeferral,
  type Withdrawal,
  withdrawQueued,
} from './prompts.ts';
export { eraseAllData } from './reset.ts';
export {
  findResultsPreferences,
  type ResultsPreferenceChange,
  recordResultsPreference,
  type StoredResultsPreference,
} from './results-preferences.ts';
export {
  type ClaimedPrompt,
  claimForSending,
  type Delivery,
  extendLease,
  markSent,
  releaseLease,
  type SendLease,
} from './sending.ts';
export { findPatientMessages, reserveSlots } from './slots.ts';
export { decisionTallies, promptTallies } from './tallies.ts';
export { findValueSetExpansion, type StoredExpansion, saveValueSetExpansion } from './value-set-expansions.ts';
