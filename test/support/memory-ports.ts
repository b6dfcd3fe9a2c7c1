/**
 * In-memory ports for the pipeline's unit tests: a Store with PostgreSQL's semantics where the use-cases rely on
 * them (unique keys, leases, transitions only from the expected states, not-before), a FHIR gateway over a list
 * of resources, a transport that records what it delivered, and an Enqueue that records what was handed on.
 */
import { randomUUID } from 'node:crypto';
import type { Campaign } from '../../src/campaigns/index.ts';
import { DeliveryRejected, type OutgoingMessage, type Transport } from '../../src/delivery/index.ts';
import { type FhirGateway, FhirRequestError, type FhirResource, type SearchParams, ValueSetResource } from '../../src/fhir/index.ts';
import type {
  Clock,
  Enqueue,
  EvaluateWork,
  NewPrompt,
  PatientOptOut,
  PromptStatus,
  SendWork,
  Store,
  StoredCampaign,
  StoredResultsPreference,
} from '../../src/pipeline/index.ts';
import { isRedecidable } from '../../src/pipeline/index.ts';
import { jobIds } from '../../src/queue/jobs.ts';
import type { PatientMessage } from '../../src/schedule/index.ts';

export interface MemoryPrompt extends Omit<NewPrompt, 'status' | 'rule'> {
  status: PromptStatus;
  rule: string | null;
  id: string;
  reviewedBy: string | null;
  attempts: number;
  queuedAt: Date | null;
  notBefore: Date | null;
  slotAt: Date | null;
  leaseUntil: Date | null;
  leaseToken: string | null;
  externalId: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface MemoryCandidate {
  id: string;
  pollRunId: string;
  campaignId: string;
  patientId: string;
  triggerRef: string;
  createdAt: Date;
  outcome: string | null;
}

interface MemoryPollRun {
  id: string;
  campaignId: string;
  asOf: Date;
  status: 'running' | 'completed' | 'failed';
  matched: number | null;
  pages: number | null;
}

export interface MemoryStore extends Store {
  campaigns: Map<string, StoredCampaign>;
  prompts: Map<string, MemoryPrompt>;
  candidates: MemoryCandidate[];
  /** Audit actions, in order, as `<action> <prompt id>`. */
  audit: string[];
  /** Local opt-outs, as `careprompt patients opt-out` records them. */
  optOuts: PatientOptOut[];
  /** Local results-by-message preferences, as `careprompt patients results-by-message` records them. */
  resultsPreferences: StoredResultsPreference[];
  promptByKey(key: string): MemoryPrompt | undefined;
}

export function createMemoryStore(clock: Clock, campaigns: Campaign[] = []): MemoryStore {
  const stored = new Map(campaigns.map((campaign): [string, StoredCampaign] => [campaign.id, { campaign, state: {}, version: 1 }]));
  const prompts = new Map<string, MemoryPrompt>();
  const candidates: MemoryCandidate[] = [];
  const pollRuns = new Map<string, MemoryPollRun>();
  const audit: string[] = [];
  const optOuts: PatientOptOut[] = [];
  const resultsPreferences: StoredResultsPreference[] = [];
  const now = () => clock();
  const byKey = (key: string) => [...prompts.values()].find((prompt) => prompt.idempotencyKey === key);
  const leased = (prompt: MemoryPrompt) => prompt.leaseUntil !== null && prompt.leaseUntil >= now();
  /** What PostgreSQL's findPatientMessages reads: sent since `sentSince`, and queued with a text. */
  const patientMessages = (patientRefs: readonly string[], sentSince: Date) => {
    const byPatient = new Map<string, PatientMessage[]>();
    for (const prompt of prompts.values()) {
      if (!patientRefs.includes(prompt.patientRef)) continue;
      const base = {
        promptId: prompt.idempotencyKey,
        priority: prompt.priority ?? 0,
        queuedAt: (prompt.queuedAt ?? prompt.createdAt).getTime(),
      };
      let message: PatientMessage | undefined;
      if (prompt.status === 'sent' && prompt.sentAt && prompt.sentAt > sentSince)
        message = { ...base, state: 'sent', at: prompt.sentAt.getTime() };
      else if (prompt.status === 'queued' && prompt.renderedText !== undefined) {
        const at = (prompt.slotAt ?? prompt.notBefore)?.getTime();
        message = { ...base, state: prompt.slotAt ? 'reserved' : 'waiting', ...(at === undefined ? {} : { at }) };
      }
      if (message) byPatient.set(prompt.patientRef, [...(byPatient.get(prompt.patientRef) ?? []), message]);
    }
    return byPatient;
  };

  function transition(id: string, from: PromptStatus[], change: Partial<MemoryPrompt> & { status: PromptStatus }): boolean {
    const prompt = prompts.get(id);
    if (!prompt || !from.includes(prompt.status)) return false;
    Object.assign(prompt, change, { updatedAt: now() });
    audit.push(`prompt.${change.status} ${id}`);
    return true;
  }

  return {
    campaigns: stored,
    prompts,
    candidates,
    audit,
    optOuts,
    resultsPreferences,
    promptByKey: byKey,
    findOptOuts: async (patientRefs) => optOuts.filter((optOut) => patientRefs.includes(optOut.patientRef)),
    findResultsPreferences: async (patientRefs) => resultsPreferences.filter((preference) => patientRefs.includes(preference.patientRef)),
    getCampaign: async (id) => stored.get(id),
    listCampaigns: async (filter) => [...stored.values()].filter((entry) => !filter?.activeOnly || entry.campaign.active),
    async startPollRun(campaignId, asOf) {
      const id = randomUUID();
      pollRuns.set(id, { id, campaignId, asOf, status: 'running', matched: null, pages: null });
      return id;
    },
    async completePollRun(runId, outcome) {
      const run = pollRuns.get(runId);
      if (!run) return;
      Object.assign(run, { status: 'completed', matched: outcome.matched, pages: outcome.pages });
      const entry = stored.get(run.campaignId);
      if (entry) entry.state = { ...entry.state, watermark: run.asOf, lastPolledAt: run.asOf };
    },
    async failPollRun(runId) {
      const run = pollRuns.get(runId);
      if (run) run.status = 'failed';
    },
    getPollRuns: async (runIds) => [...pollRuns.values()].filter((run) => runIds.includes(run.id)),
    findPollRunsSince: async (campaignIds, since, status) =>
      [...pollRuns.values()].filter((run) => campaignIds.includes(run.campaignId) && run.asOf >= since && run.status === status),
    async recordCandidates(found) {
      for (const candidate of found) {
        if (candidates.some((known) => known.pollRunId === candidate.pollRunId && known.triggerRef === candidate.triggerRef)) continue;
        candidates.push({ ...candidate, id: randomUUID(), createdAt: now(), outcome: null });
      }
    },
    async markEvaluated(pollRunId, outcomes) {
      for (const { triggerRef, outcome } of outcomes) {
        const candidate = candidates.find((known) => known.pollRunId === pollRunId && known.triggerRef === triggerRef);
        if (candidate && candidate.outcome === null) candidate.outcome = outcome;
      }
    },
    async findPendingCandidates(createdBefore, limit, afterId) {
      return candidates
        .filter((candidate) => candidate.outcome === null && candidate.createdAt < createdBefore && (!afterId || candidate.id > afterId))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map(({ id, createdAt, outcome: _, ...candidate }) => ({
          id,
          createdAt,
          candidate: { ...candidate, asOf: (pollRuns.get(candidate.pollRunId)?.asOf ?? createdAt).toISOString() },
        }));
    },
    async countCandidateOutcomes(pollRunIds) {
      const counts = new Map<string, { campaignId: string; outcome: string | null; count: number }>();
      for (const candidate of candidates.filter((known) => pollRunIds.includes(known.pollRunId))) {
        const key = `${candidate.campaignId} ${candidate.outcome}`;
        const entry = counts.get(key) ?? { campaignId: candidate.campaignId, outcome: candidate.outcome, count: 0 };
        entry.count += 1;
        counts.set(key, entry);
      }
      return [...counts.values()];
    },
    async insertPrompts(drafts) {
      return drafts.map((draft) => {
        const existing = byKey(draft.idempotencyKey);
        if (existing && !isRedecidable(existing))
          return {
            id: existing.id,
            idempotencyKey: existing.idempotencyKey,
            status: existing.status,
            rule: existing.rule,
            inserted: false,
          };
        if (existing) prompts.delete(existing.id);
        const prompt: MemoryPrompt = {
          ...draft,
          rule: draft.status === 'skipped' ? (draft.rule ?? null) : null,
          id: randomUUID(),
          reviewedBy: null,
          attempts: 0,
          queuedAt: draft.status === 'queued' ? draft.decidedAt : null,
          notBefore: draft.deferred?.until ?? null,
          slotAt: null,
          leaseUntil: null,
          leaseToken: null,
          externalId: null,
          sentAt: null,
          createdAt: now(),
          updatedAt: now(),
        };
        prompts.set(prompt.id, prompt);
        audit.push(`prompt.${draft.deferred ? 'deferred' : prompt.status} ${prompt.id}`);
        return { id: prompt.id, idempotencyKey: prompt.idempotencyKey, status: prompt.status, rule: prompt.rule, inserted: true };
      });
    },
    findPromptsByKeys: async (keys) =>
      [...prompts.values()]
        .filter((prompt) => keys.includes(prompt.idempotencyKey))
        .map(({ id, idempotencyKey, status, rule }) => ({ id, idempotencyKey, status, rule })),
    async findRecentlyPrompted(campaignId, patientRefs, since) {
      const recent = [...prompts.values()].filter(
        (prompt) =>
          prompt.campaignId === campaignId &&
          patientRefs.includes(prompt.patientRef) &&
          ['pending_review', 'queued', 'sent'].includes(prompt.status) &&
          (pollRuns.get(prompt.pollRunId ?? '')?.asOf ?? new Date(0)) > since,
      );
      return new Set(recent.map((prompt) => prompt.patientRef));
    },
    async getPrompt(id) {
      const prompt = prompts.get(id);
      return prompt
        ? { id: prompt.id, status: prompt.status, queuedAt: prompt.queuedAt, notBefore: prompt.notBefore, createdAt: prompt.createdAt }
        : undefined;
    },
    getPromptStatuses: async (ids) => new Map(ids.flatMap((id) => (prompts.has(id) ? [[id, prompts.get(id)?.status ?? 'queued']] : []))),
    async findStaleQueued(queuedBefore, limit, afterId) {
      return [...prompts.values()]
        .filter(
          (prompt) =>
            prompt.status === 'queued' &&
            prompt.queuedAt !== null &&
            prompt.queuedAt < queuedBefore &&
            (prompt.notBefore === null || prompt.notBefore <= now()) &&
            (!afterId || prompt.id > afterId),
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map(({ id, leaseUntil, queuedAt }) => ({ id, leaseUntil, queuedAt }));
    },
    findFailedPrompts: async (campaignId, since) =>
      [...prompts.values()]
        .filter((prompt) => prompt.campaignId === campaignId && prompt.status === 'failed' && (!since || prompt.updatedAt >= since))
        .map(({ id, queuedAt, notBefore, createdAt }) => ({ id, queuedAt, notBefore, createdAt })),
    async findDeferred(pollRunIds, at) {
      const rows = new Map<string, { campaignId: string; count: number; earliest: Date; latest: Date }>();
      for (const prompt of prompts.values()) {
        if (!pollRunIds.includes(prompt.pollRunId ?? '') || prompt.status !== 'queued' || !prompt.notBefore || prompt.notBefore <= at)
          continue;
        const row = rows.get(prompt.campaignId) ?? {
          campaignId: prompt.campaignId,
          count: 0,
          earliest: prompt.notBefore,
          latest: prompt.notBefore,
        };
        rows.set(prompt.campaignId, {
          ...row,
          count: row.count + 1,
          earliest: new Date(Math.min(prompt.notBefore.getTime(), row.earliest.getTime())),
          latest: new Date(Math.max(prompt.notBefore.getTime(), row.latest.getTime())),
        });
      }
      return [...rows.values()];
    },
    async countPromptsByStatus(filter) {
      const counts: Record<PromptStatus, number> = { pending_review: 0, queued: 0, sent: 0, failed: 0, skipped: 0 };
      for (const prompt of prompts.values()) if (filter.pollRunIds.includes(prompt.pollRunId ?? '')) counts[prompt.status] += 1;
      return counts;
    },
    async findPatientMessages(patientRefs, sentSince) {
      return patientMessages(patientRefs, sentSince);
    },
    async reserveSlots(patientRefs, sentSince, at, decide) {
      // One caller at a time here, so the lock PostgreSQL takes per patient has nothing to keep apart.
      for (const id of decide(patientMessages(patientRefs, sentSince))) {
        const prompt = prompts.get(id);
        if (prompt) prompt.slotAt = at;
      }
    },
    async claimForSending(promptIds, leaseMs, at) {
      const token = randomUUID();
      const claimed = promptIds.flatMap((id) => {
        const prompt = prompts.get(id);
        const entry = prompt ? stored.get(prompt.campaignId) : undefined;
        if (!prompt || !entry || prompt.status !== 'queued' || prompt.renderedText === undefined || leased(prompt)) return [];
        if (prompt.notBefore !== null && prompt.notBefore > at) return [];
        Object.assign(prompt, { attempts: prompt.attempts + 1, leaseToken: token, leaseUntil: new Date(now().getTime() + leaseMs) });
        return [
          {
            id: prompt.id,
            idempotencyKey: prompt.idempotencyKey,
            campaignId: prompt.campaignId,
            patientRef: prompt.patientRef,
            triggerRefs: prompt.triggerRefs,
            reasonRef: prompt.reasonRef ?? null,
            language: prompt.language ?? null,
            category: prompt.category,
            renderedText: prompt.renderedText,
            reviewedBy: prompt.reviewedBy,
            attempts: prompt.attempts,
            queuedAtMs: (prompt.queuedAt ?? prompt.decidedAt).getTime(),
            notBefore: prompt.notBefore,
            priority: prompt.priority ?? 0,
            timezone: prompt.timezone ?? null,
            channel: prompt.channel,
            campaign: entry.campaign,
          },
        ];
      });
      return { token, prompts: claimed };
    },
    async extendLease(promptIds, token, leaseMs) {
      const held = promptIds.map((id) => prompts.get(id)).filter((prompt) => prompt?.status === 'queued' && prompt.leaseToken === token);
      for (const prompt of held) if (prompt) prompt.leaseUntil = new Date(now().getTime() + leaseMs);
      return held.length;
    },
    async releaseLease(promptIds, token) {
      for (const id of promptIds) {
        const prompt = prompts.get(id);
        if (prompt?.status === 'queued' && prompt.leaseToken === token) Object.assign(prompt, { leaseUntil: null, leaseToken: null });
      }
    },
    async markSent(deliveries) {
      for (const { promptId, externalId, sentAt } of deliveries) {
        transition(promptId, ['queued', 'failed'], { status: 'sent', externalId, sentAt, leaseUntil: null, leaseToken: null });
      }
    },
    async markFailed(id, reason) {
      transition(id, ['queued'], { status: 'failed', reason, leaseUntil: null, leaseToken: null });
    },
    async withdrawQueued(withdrawals) {
      for (const { id, rule, reason } of withdrawals)
        transition(id, ['queued'], { status: 'skipped', reason, rule, leaseUntil: null, leaseToken: null });
    },
    async holdForReview(id, reason) {
      transition(id, ['queued'], { status: 'pending_review', leaseUntil: null, leaseToken: null, ...(reason ? { reason } : {}) });
    },
    async deferQueued(id, leaseToken, { until, text }) {
      const prompt = prompts.get(id);
      if (prompt?.status !== 'queued' || prompt.leaseToken !== leaseToken) return false;
      const worded = text === undefined ? {} : { renderedText: text };
      Object.assign(prompt, {
        notBefore: until,
        slotAt: null,
        leaseUntil: null,
        leaseToken: null,
        attempts: prompt.attempts - 1,
        ...worded,
      });
      audit.push(`prompt.deferred ${id}`);
      return true;
    },
    async reviewPrompt(id, review) {
      const reviewed = { reviewedBy: review.reviewer };
      return review.decision === 'approve'
        ? transition(id, ['pending_review'], { ...reviewed, status: 'queued', queuedAt: now() })
        : transition(id, ['pending_review'], {
            ...reviewed,
            status: 'skipped',
            reason: `rejected in review${review.note ? `: ${review.note}` : ''}`,
          });
    },
    retryFailed: async (id, _actor, options) =>
      transition(id, ['failed'], { status: 'queued', reason: undefined, ...(options?.forced ? { queuedAt: now(), notBefore: null } : {}) }),
  };
}

/**
 * A FHIR server of a few resources: a search by `_id` (with `_revinclude`) returns those Patients and their
 * records; any other search returns every resource of its type, as a server would before the campaign's own
 * rules (which the pipeline applies again) narrow it.
 */
export function createMemoryFhir(resources: FhirResource[]): FhirGateway & { resources: FhirResource[] } {
  const counts = { searchPages: 0, reads: 0, creates: 0 };
  // A Consent names its patient in `patient`, the trigger resources in `subject`.
  const subjectOf = (resource: FhirResource) => ((resource.subject ?? resource.patient) as { reference?: string } | undefined)?.reference;
  return {
    resources,
    async *searchPages(resourceType: string, params: SearchParams) {
      counts.searchPages += 1;
      const ofType = resources.filter((resource) => resource.resourceType === resourceType);
      if (typeof params._id !== 'string') {
        yield { matches: ofType, included: [] };
        return;
      }
      const ids = params._id.split(',');
      const matches = ofType.filter((resource) => ids.includes(resource.id ?? ''));
      const refs = matches.map((resource) => `${resourceType}/${resource.id}`);
      const included = params._revinclude ? resources.filter((resource) => refs.includes(subjectOf(resource) ?? '')) : [];
      yield { matches, included, total: matches.length };
    },
    async read(resourceType, id) {
      counts.reads += 1;
      return resources.find((resource) => resource.resourceType === resourceType && resource.id === id);
    },
    async expandValueSet(url) {
      counts.reads += 1;
      const found = ValueSetResource.safeParse(resources.find((resource) => resource.resourceType === 'ValueSet' && resource.url === url));
      if (!found.success) throw new FhirRequestError('FHIR expand ValueSet failed with HTTP 404 (attempt 1/1)', 404, undefined);
      return found.data;
    },
    createIfNoneExist: () => Promise.reject(new Error('the memory FHIR server takes no writes: use the memory transport')),
    capabilities: async () => ({ resourceType: 'CapabilityStatement' }),
    counts: () => ({ ...counts }),
  };
}

export interface MemoryTransport extends Transport {
  /** Messages delivered, by key: one each, however often sent. */
  delivered: Map<string, { externalId: string; message: OutgoingMessage }>;
  /** Keys the channel refuses. */
  refuse: Set<string>;
}

export function createMemoryTransport(): MemoryTransport {
  const delivered = new Map<string, { externalId: string; message: OutgoingMessage }>();
  const refuse = new Set<string>();
  return {
    channel: 'fhir-communication',
    delivered,
    refuse,
    async send(message) {
      if (refuse.has(message.key)) throw new DeliveryRejected('fhir-communication: HTTP 422', 'HTTP 422');
      const earlier = delivered.get(message.key);
      if (earlier) return { externalId: earlier.externalId };
      const externalId = `comm-${delivered.size + 1}`;
      delivered.set(message.key, { externalId, message });
      return { externalId };
    },
    async findDelivered(key) {
      const earlier = delivered.get(key);
      return earlier ? { externalId: earlier.externalId } : undefined;
    },
  };
}

/**
 * An Enqueue that keeps what it was given, with the delay of each send. Like BullMQ, it drops a job whose id a
 * job it still holds has: a test takes a job out (splice) once it has run, and leaves it in while it runs.
 */
export function createRecordingEnqueue() {
  const evaluations: EvaluateWork[] = [];
  const sends: Array<{ job: SendWork; delayMs?: number; id: string }> = [];
  const add = (entry: (typeof sends)[number]) => {
    if (!sends.some((held) => held.id === entry.id)) sends.push(entry);
  };
  const enqueue: Enqueue = {
    evaluations: async (jobs) => {
      evaluations.push(...jobs);
    },
    send: async (job, delayMs) => add({ job, ...(delayMs === undefined ? {} : { delayMs }), id: jobIds.send(job) }),
    deferredSend: async (job, until, delayMs) => add({ job, delayMs, id: jobIds.deferredSend(job, until) }),
    sends: async (jobs) => {
      for (const job of jobs) add({ job, id: jobIds.send(job) });
    },
  };
  return { enqueue, evaluations, sends };
}
