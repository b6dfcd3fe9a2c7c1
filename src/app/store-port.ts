/**
 * The pipeline's Store over PostgreSQL: src/store's functions bound to one database. The pipeline may not know
 * Prisma or the database handle, and src/store may not know the pipeline, so the two meet here.
 */
import type { Store } from '../pipeline/index.ts';
import * as store from '../store/index.ts';

export function createStorePort(db: store.Db): Store {
  return {
    getCampaign: (id) => store.getCampaign(db, id),
    listCampaigns: (filter) => store.listCampaigns(db, filter),
    startPollRun: (campaignId, asOf, since) => store.startPollRun(db, campaignId, asOf, since),
    completePollRun: (runId, outcome) => store.completePollRun(db, runId, outcome),
    failPollRun: (runId, error) => store.failPollRun(db, runId, error),
    getPollRuns: (runIds) => store.getPollRuns(db, runIds),
    findPollRunsSince: (campaignIds, since, status) => store.findPollRunsSince(db, campaignIds, since, status),
    recordCandidates: (candidates) => store.recordCandidates(db, candidates),
    markEvaluated: (pollRunId, outcomes) => store.markEvaluated(db, pollRunId, outcomes),
    findPendingCandidates: (createdBefore, limit, afterId) => store.findPendingCandidates(db, createdBefore, limit, afterId),
    countCandidateOutcomes: (pollRunIds) => store.countCandidateOutcomes(db, pollRunIds),
    insertPrompts: (prompts) => store.insertPrompts(db, prompts),
    findPromptsByKeys: (keys) => store.findPromptsByKeys(db, keys),
    findRecentlyPrompted: (campaignId, patientRefs, since) => store.findRecentlyPrompted(db, campaignId, patientRefs, since),
    findOptOuts: (patientRefs) => store.findOptOuts(db, patientRefs),
    findResultsPreferences: (patientRefs) => store.findResultsPreferences(db, patientRefs),
    getPrompt: (id) => store.getPrompt(db, id),
    getPromptStatuses: (ids) => store.getPromptStatuses(db, ids),
    findStaleQueued: (queuedBefore, limit, afterId, now) => store.findStaleQueued(db, queuedBefore, limit, afterId, now),
    findFailedPrompts: (campaignId, since) => store.findFailedPrompts(db, campaignId, since),
    countPromptsByStatus: (filter) => store.countPromptsByStatus(db, filter),
    findDeferred: (pollRunIds, now) => store.findDeferred(db, pollRunIds, now),
    claimForSending: (promptIds, leaseMs, now) => store.claimForSending(db, promptIds, leaseMs, now),
    findPatientMessages: (patientRefs, sentSince) => store.findPatientMessages(db, patientRefs, sentSince),
    reserveSlots: (patientRefs, sentSince, now, decide) => store.reserveSlots(db, patientRefs, sentSince, now, decide),
    extendLease: (promptIds, token, leaseMs) => store.extendLease(db, promptIds, token, leaseMs),
    releaseLease: (promptIds, token) => store.releaseLease(db, promptIds, token),
    markSent: (deliveries) => store.markSent(db, deliveries),
    markFailed: (id, reason) => store.markFailed(db, id, reason),
    withdrawQueued: (withdrawals) => store.withdrawQueued(db, withdrawals),
    holdForReview: (id, reason) => store.holdForReview(db, id, reason),
    deferQueued: (id, leaseToken, deferral) => store.deferQueued(db, id, leaseToken, deferral),
    reviewPrompt: (id, review) => store.reviewPrompt(db, id, review),
    retryFailed: (id, actor, options) => store.retryFailed(db, id, actor, options),
  };
}
