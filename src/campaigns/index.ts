export { parseDurationMs } from '../time/index.ts';
export { type Decision, decide, patientMayBePrompted, triggerMatches } from './eligibility.ts';
export { type CampaignCheck, CampaignFileError, type CampaignProblem, type LoadedCampaign, loadCampaigns, parseCampaign } from './load.ts';
export { periodIndex, promptKey, repeatBlockedSince } from './prompt-key.ts';
export { Campaign, Trigger } from './schema.ts';
export {
  dueWindow,
  needsFullScan,
  type PollState,
  planTriggerSearches,
  type TriggerSearch,
  triggerSearchParameters,
} from './search.ts';
