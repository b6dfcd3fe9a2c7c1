export { Campaign, Trigger, TRIGGER_RESOURCES } from './schema.ts';
export { parseDurationMs } from './duration.ts';
export { CampaignFileError, loadCampaigns, parseCampaign, type CampaignCheck, type CampaignProblem, type LoadedCampaign } from './load.ts';
export { dueWindow, needsFullScan, planTriggerSearches, type PollState, type TriggerSearch } from './search.ts';
export { decide, patientMayBePrompted, triggerMatches, type Decision } from './eligibility.ts';
export { promptKey, periodIndex, repeatBlockedSince } from './prompt-key.ts';
