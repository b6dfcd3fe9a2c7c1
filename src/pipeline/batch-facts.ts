/**
 * What deciding a batch needs to know beyond the campaign, loaded with the batch's shared I/O: every patient's
 * record in one FHIR search, a trigger resource missing from its patient's record read on its own, the patients
 * prompted within the repeat period in one query, and their messages that count against the frequency caps in
 * another. Only reads: the dry run loads the same facts.
 */
import { type Campaign, contextReadsOf, repeatBlockedSince, valueSetsOf } from '../campaigns/index.ts';
import type { Config } from '../config/index.ts';
import {
  FhirDataError,
  type FhirGateway,
  FhirRequestError,
  findResource,
  loadPatientContexts,
  type PatientContext,
} from '../fhir/index.ts';
import type { Logger } from '../log/index.ts';
import { TriggerResource } from '../triggers/index.ts';
import type { BatchCandidate, BatchFacts, LoadedTrigger } from './decide-batch.ts';
import { capsOf } from './plan-slots.ts';
import type { Store, ValueSetSource } from './ports.ts';

/** The store's read-only queries a decision needs. */
export type DecisionReads = Pick<
  Store,
  'findPromptsByKeys' | 'findRecentlyPrompted' | 'findPatientMessages' | 'findOptOuts' | 'findResultsPreferences'
>;

export interface FactSources {
  gateway: FhirGateway;
  store: DecisionReads;
  valueSets: ValueSetSource;
  logger: Logger;
  config: Pick<Readonly<Config>, 'schedule'>;
}

export async function loadBatchFacts(
  campaign: Campaign,
  candidates: readonly BatchCandidate[],
  times: Pick<BatchFacts, 'asOf' | 'decidedAt'>,
  sources: FactSources,
): Promise<BatchFacts> {
  const { gateway, store, logger } = sources;
  const { asOf, decidedAt } = times;
  const expansions = await sources.valueSets.expand(valueSetsOf(campaign), asOf);
  const patientIds = [...new Set(candidates.map((candidate) => candidate.patientId))];
  const contexts = await loadPatientContexts(gateway, patientIds, { logger, ...contextReadsOf([campaign], expansions) });
  const blockedSince = repeatBlockedSince(campaign, asOf);
  const recentlyPrompted = blockedSince
    ? await store.findRecentlyPrompted(
        campaign.id,
        [...contexts.keys()].map((patientId) => `Patient/${patientId}`),
        blockedSince,
      )
    : new Set<string>();
  const patientRefs = [...contexts.keys()].map((patientId) => `Patient/${patientId}`);
  const caps = capsOf(campaign, sources.config, decidedAt);
  const messages = caps && patientRefs.length > 0 ? await store.findPatientMessages(patientRefs, caps.sentSince) : new Map();
  const optOuts = await store.findOptOuts(patientRefs);
  const resultsPreferences = await store.findResultsPreferences(patientRefs);
  const triggers = new Map<string, LoadedTrigger>();
  for (const { patientId, triggerRef } of candidates) {
    const context = contexts.get(patientId);
    if (context) triggers.set(triggerRef, await triggerOf(context, triggerRef, gateway, logger));
  }
  return { asOf, decidedAt, expansions, contexts, triggers, recentlyPrompted, optOuts, resultsPreferences, messages };
}

/**
 * The trigger resource: from the patient's record, else read on its own (it may have moved to another chart,
 * which `decide` then rejects).
 */
async function triggerOf(context: PatientContext, triggerRef: string, gateway: FhirGateway, logger: Logger): Promise<LoadedTrigger> {
  const found = findResource(context, triggerRef);
  if (found) return found;
  const [resourceType, id] = triggerRef.split('/') as [string, string];
  try {
    const resource = await gateway.read(resourceType, id);
    const parsed = resource ? TriggerResource.safeParse(resource) : undefined;
    return parsed?.success ? parsed.data : undefined;
  } catch (error) {
    if (!(error instanceof FhirRequestError || error instanceof FhirDataError)) throw error;
    // Recorded as the candidate's error, as a job that gives up would be: one refused read must not fail the
    // rest of the batch with it.
    logger.warn({ triggerRef, err: error }, 'evaluate: trigger resource unreadable');
    return 'unreadable';
  }
}
