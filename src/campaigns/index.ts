export { parseDurationMs } from '../time/index.ts';
export {
  type Decision,
  decide,
  type PatientFacts,
  patientMayBePrompted,
  type SkipRule,
  triggerMatches,
  triggerObjection,
} from './eligibility.ts';
export { type CampaignCheck, CampaignFileError, type CampaignProblem, type LoadedCampaign, loadCampaigns, parseCampaign } from './load.ts';
export {
  CAMPAIGN_CODE_SYSTEM,
  COMMUNICATION_CATEGORY_SYSTEM,
  type LocalOptOut,
  type OptOut,
  type OptOutFacts,
  type OptOutRules,
  optOutOf,
  optOutReason,
} from './opt-out.ts';
export { periodIndex, promptKey, repeatBlockedSince } from './prompt-key.ts';
export { type ContextReads, contextReadsOf, recordMatchesOf, recordTypesOf, valueSetsOf } from './reads.ts';
export {
  type LocalResultsPreference,
  type ResultsPreference,
  type ResultsPreferenceFacts,
  type ResultsPreferenceRules,
  resultsHoldReason,
  resultsPreferenceOf,
} from './results-preference.ts';
export { Campaign, Cohort, Trigger, triggerOf } from './schema.ts';
export {
  dueWindow,
  needsFullScan,
  type PollState,
  planTriggerSearches,
  type TriggerSearch,
  triggerSearchParameters,
} from './search.ts';
