/**
 * Deliver a batch of outbox rows. The rows are claimed first (a lease: no concurrent sender delivers them too),
 * then their patients are read again (one FHIR search for the batch's Patients with their Consents, one per
 * record type for what the prompts are about, one query for local opt-outs) and the send-time policy decides each
 * (policy.ts). A prompt it defers is worded for its new time (send-wording.ts); those it lets pass are delivered
 * in turn, so a send job has one request in flight at a time, and the batch is recorded as sent in one statement. A transport is idempotent on the prompt key: a retry after a lost
 * response, or after a crash before the batch was recorded, returns the message already delivered.
 */
import { type ContextReads, contextReadsOf, valueSetsOf } from '../campaigns/index.ts';
import type { Expansions } from '../criteria/index.ts';
import { DeliveryRejected, type OutgoingMessage, type Transport } from '../delivery/index.ts';
import { failureReason, loadPatientContexts, loadRecordsByReference, patientIdOf } from '../fhir/index.ts';
import { type PatientMessage, ranksAhead } from '../schedule/index.ts';
import type { TriggerResource } from '../triggers/index.ts';
import type { Context, Services } from './context.ts';
import { Deferrals } from './deferral.ts';
import { keepLease, type LeaseKeeper } from './lease-keeper.ts';
import { decideSend, type PatientNow, type SendDecision } from './policy.ts';
import type { ClaimedPrompt, Delivery, SendLease, Withdrawal } from './ports.ts';
import { wordingsFor } from './send-wording.ts';
import { sendWindowOf } from './slot-rules.ts';
import type { SendWork } from './work.ts';

export type SendOutcome = 'sent' | 'already-sent' | 'in-flight' | 'not-sendable' | 'withdrawn' | 'held-for-review' | 'deferred' | 'failed';

/** The lease could not be renewed for half its length: the rest of the batch is left to the job's retry. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** A prompt whose channel has no transport: a configuration the app should have refused; nothing is sent. */
export class UnknownChannelError extends Error {
  override readonly name = 'UnknownChannelError';
}

/** What a batch has come to so far: each settled prompt's outcome, and the deliveries not yet recorded. */
class Batch {
  readonly outcomes = new Map<string, SendOutcome>();
  readonly deliveries: Delivery[] = [];

  settle(promptId: string, outcome: SendOutcome): void {
    this.outcomes.set(promptId, outcome);
  }

  delivered(delivery: Delivery, outcome: 'sent' | 'already-sent'): void {
    this.deliveries.push(delivery);
    this.outcomes.set(delivery.promptId, outcome);
  }
}

/** Each prompt's outcome, by prompt id. */
export async function sendPrompts(work: SendWork, ctx: Context): Promise<Map<string, SendOutcome>> {
  const { store } = ctx;
  const leaseMs = ctx.config.queue.sendLeaseMs;
  const lease = await store.claimForSending(work.promptIds, leaseMs, ctx.clock());
  // Kept from the claim on: the policy step writes too (a deferral's re-queue to Redis) and may block.
  const ids = lease.prompts.map((prompt) => prompt.id);
  const keeper = keepLease({
    leaseMs,
    renew: () => store.extendLease(ids, lease.token, leaseMs),
    onRenewalError: (error) => ctx.logger.warn({ prompts: ids.length, err: error }, 'send: lease not renewed'),
  });
  const batch = new Batch();
  try {
    await settleUnclaimed(work.promptIds, lease.prompts, ctx, batch);
    try {
      const sendable = await applyPolicy(lease, ctx, batch);
      if (sendable.length > 0) await deliver(sendable, keeper, ctx, batch);
      await store.markSent(batch.deliveries);
    } catch (error) {
      await giveBack(lease, batch, ctx);
      throw error;
    }
  } finally {
    keeper.stop();
  }
  ctx.logger.info({ prompts: work.promptIds.length, ...countOf(batch.outcomes) }, 'send: batch done');
  return batch.outcomes;
}

/**
 * Settles the prompts the policy keeps from going out now; returns the others, in order. One an earlier sender
 * may have delivered before dying is looked up first: if it went out, it is recorded as sent, not withdrawn,
 * held or deferred, so the record never denies a message the patient has.
 */
async function applyPolicy(lease: SendLease, ctx: Context, batch: Batch): Promise<ClaimedPrompt[]> {
  if (lease.prompts.length === 0) return [];
  const sendable: ClaimedPrompt[] = [];
  const withdrawals: Withdrawal[] = [];
  const deferred = new Deferrals();
  const campaigns = [...new Map(lease.prompts.map((prompt) => [prompt.campaign.id, prompt.campaign])).values()];
  const expansions = await ctx.valueSets.expand([...new Set(campaigns.flatMap(valueSetsOf))], ctx.clock());
  const [patients, triggers] = await Promise.all([
    patientsNow(lease.prompts, contextReadsOf(campaigns, expansions, 'criteria'), ctx),
    loadRecordsByReference(
      ctx.gateway,
      lease.prompts.flatMap((prompt) => prompt.triggerRefs),
      { logger: ctx.logger },
    ),
  ]);
  const now = ctx.clock();
  const decisions = await decideBatch(lease.prompts, { patients, triggers }, { now, expansions }, ctx);
  const wordings = await wordingsFor(
    lease.prompts.flatMap((prompt, index) => {
      const decision = decisions[index];
      return decision?.kind === 'defer' ? [{ prompt, until: decision.until }] : [];
    }),
    { triggers, expansions },
    ctx,
  );
  for (const [index, prompt] of lease.prompts.entries()) {
    const decision = decisions[index] ?? { kind: 'send' };
    if (decision.kind === 'send') {
      sendable.push(prompt);
      continue;
    }
    const earlier = prompt.attempts > 1 ? await transportFor(prompt, ctx).findDelivered(prompt.idempotencyKey) : undefined;
    if (earlier) {
      batch.delivered({ promptId: prompt.id, externalId: earlier.externalId, sentAt: earlier.sentAt ?? now }, 'already-sent');
    } else if (decision.kind === 'withdraw') {
      withdrawals.push({ id: prompt.id, rule: decision.rule, reason: decision.reason });
    } else if (decision.kind === 'hold') {
      await ctx.store.holdForReview(prompt.id, decision.reason);
      batch.settle(prompt.id, 'held-for-review');
    } else {
      // Not deferred when the lease was lost meanwhile: another sender has the prompt now.
      const text = wordings.get(prompt.id);
      const { until, reason, rule } = decision;
      const held = await ctx.store.deferQueued(prompt.id, lease.token, { until, reason, rule, ...(text === undefined ? {} : { text }) });
      batch.settle(prompt.id, held ? 'deferred' : 'in-flight');
      if (held) deferred.add(prompt.id, decision.until);
    }
  }
  await ctx.store.withdrawQueued(withdrawals);
  for (const { id } of withdrawals) batch.settle(id, 'withdrawn');
  await deferred.enqueue(ctx.enqueue, now);
  return sendable;
}

/**
 * The policy's decision on each prompt, in the batch's order. With frequency caps, the batch's patients are
 * locked while their messages are read and the prompts let through take their slots (one query and one update
 * per batch), so a concurrent sender of the same patients waits and then counts them. Within the batch, prompts
 * are decided in the order they rank (priority, then age), each counting the ones decided before it.
 */
async function decideBatch(
  prompts: readonly ClaimedPrompt[],
  { patients, triggers }: { patients: ReadonlyMap<string, PatientNow>; triggers: ReadonlyMap<string, TriggerResource> },
  { now, expansions }: { now: Date; expansions: Expansions },
  ctx: Context,
): Promise<SendDecision[]> {
  const { schedule, defaultTimezone, queue, optOut, resultsPreference } = ctx.config;
  const contender = (prompt: ClaimedPrompt) => ({
    promptId: prompt.idempotencyKey,
    priority: prompt.priority,
    queuedAt: prompt.queuedAtMs,
  });
  const ranked = [...prompts].sort((a, b) => (ranksAhead(contender(a), contender(b)) ? -1 : 1));
  const decideAll = (stored: ReadonlyMap<string, PatientMessage[]>) => {
    const messages = new Map(stored);
    const decisions = new Map<string, SendDecision>();
    for (const prompt of ranked) {
      const others = messages.get(prompt.patientRef) ?? [];
      const slots = {
        window: sendWindowOf(prompt.campaign, schedule.window),
        timezone: prompt.timezone ?? defaultTimezone,
        caps: schedule.caps,
        messages: others,
      };
      const patient: PatientNow | 'gone' = patients.get(prompt.patientRef) ?? 'gone';
      const input = {
        prompt,
        now,
        expireAfterMs: queue.expireAfterMs,
        patient,
        triggers,
        optOutRules: optOut,
        resultsRules: resultsPreference,
        expansions,
        slots,
      };
      const decision = decideSend(input, ctx.sendRules);
      decisions.set(prompt.id, decision);
      // As the prompt now stands, for the ones after it: on its way, waiting for its new time, or out of the running.
      const planned: PatientMessage | undefined =
        decision.kind === 'send'
          ? { ...contender(prompt), state: 'reserved', at: now.getTime() }
          : decision.kind === 'defer'
            ? { ...contender(prompt), state: 'waiting', at: decision.until.getTime() }
            : undefined;
      messages.set(prompt.patientRef, [
        ...others.filter((message) => message.promptId !== prompt.idempotencyKey),
        ...(planned ? [planned] : []),
      ]);
    }
    return prompts.map((prompt): SendDecision => decisions.get(prompt.id) ?? { kind: 'send' });
  };
  if (schedule.caps.length === 0) return decideAll(new Map());
  let decisions: SendDecision[] = [];
  const sentSince = new Date(now.getTime() - Math.max(...schedule.caps.map((cap) => cap.periodMs)));
  await ctx.store.reserveSlots(
    prompts.map((prompt) => prompt.patientRef),
    sentSince,
    now,
    (messages) => {
      decisions = decideAll(messages);
      return prompts.filter((_, index) => decisions[index]?.kind === 'send').map((prompt) => prompt.id);
    },
  );
  return decisions;
}

/**
 * Each claimed prompt's patient as they are now, by reference: one search for the batch's Patients and their
 * Consents (with the records the batch's campaigns' criteria read, when any has criteria), one query each for their
 * local opt-outs and results preferences. A patient the server no longer has is missing (`gone`).
 */
async function patientsNow(prompts: readonly ClaimedPrompt[], reads: ContextReads, ctx: Context): Promise<Map<string, PatientNow>> {
  const refs = [...new Set(prompts.map((prompt) => prompt.patientRef))];
  const ids = refs.flatMap((reference) => patientIdOf({ subject: { reference } }) ?? []);
  const [found, optOuts, resultsPreferences] = await Promise.all([
    loadPatientContexts(ctx.gateway, ids, { logger: ctx.logger, ...reads }),
    ctx.store.findOptOuts(refs),
    ctx.store.findResultsPreferences(refs),
  ]);
  const patients = new Map<string, PatientNow>();
  for (const [id, context] of found) {
    const patientRef = `Patient/${id}`;
    patients.set(patientRef, {
      ...context,
      local: optOuts.filter((optOut) => optOut.patientRef === patientRef),
      localResults: resultsPreferences.find((preference) => preference.patientRef === patientRef),
    });
  }
  return patients;
}

/**
 * Delivers the prompts one after another. A message the channel refuses fails alone; a transient failure (the
 * channel is likely unwell) or a lease that can no longer be renewed stops the batch.
 */
async function deliver(prompts: readonly ClaimedPrompt[], lease: LeaseKeeper, ctx: Context, batch: Batch): Promise<void> {
  const { store, clock } = ctx;
  for (const prompt of prompts) {
    if (!lease.held()) throw new LeaseLostError(`send lease not renewed for ${ctx.config.queue.sendLeaseMs / 2000} s; the batch stops`);
    const transport = transportFor(prompt, ctx);
    try {
      const receipt = await transport.send(messageOf(prompt));
      batch.delivered({ promptId: prompt.id, externalId: receipt.externalId, sentAt: clock() }, 'sent');
    } catch (error) {
      if (!(error instanceof DeliveryRejected)) throw error;
      // The channel refused the message itself: retrying would be refused again.
      await store.markFailed(prompt.id, `rejected by ${transport.channel}: ${error.reason}`);
      batch.settle(prompt.id, 'failed');
    }
  }
}

/**
 * After a failure: records what was delivered, if the store lets it, and gives back every claimed row not
 * settled, so the job's retry finds them free. Rows delivered but not recorded are given back too: the retry
 * delivers them again and the transport returns the message already made. Nothing here may hide the failure
 * that got us here; a lease not given back simply lapses.
 */
async function giveBack(lease: SendLease, batch: Batch, ctx: Context): Promise<void> {
  const unsettled = lease.prompts.map((prompt) => prompt.id).filter((id) => !batch.outcomes.has(id));
  try {
    await ctx.store.markSent(batch.deliveries);
  } catch (error) {
    ctx.logger.warn({ prompts: batch.deliveries.length, err: error }, 'send: deliveries not recorded; given back for the retry');
    unsettled.push(...batch.deliveries.map((delivery) => delivery.promptId));
  }
  try {
    await ctx.store.releaseLease(unsettled, lease.token);
  } catch (error) {
    ctx.logger.warn({ prompts: unsettled.length, err: error }, 'send: lease not given back; it lapses');
  }
}

/** Why the prompts this claim did not lease were left alone. */
async function settleUnclaimed(promptIds: readonly string[], claimed: readonly ClaimedPrompt[], ctx: Context, batch: Batch) {
  const claimedIds = new Set(claimed.map((prompt) => prompt.id));
  const unclaimed = promptIds.filter((id) => !claimedIds.has(id));
  if (unclaimed.length === 0) return;
  const statuses = await ctx.store.getPromptStatuses(unclaimed);
  for (const id of unclaimed) {
    const status = statuses.get(id);
    // Queued but not claimed: another sender holds it, or its not-before time has not come.
    batch.settle(id, status === 'sent' ? 'already-sent' : status === 'queued' ? 'in-flight' : 'not-sendable');
  }
}

function transportFor(prompt: Pick<ClaimedPrompt, 'channel'>, services: Pick<Services, 'transports'>): Transport {
  const transport = services.transports.get(prompt.channel);
  if (!transport) throw new UnknownChannelError(`no transport for channel "${prompt.channel}"`);
  return transport;
}

/** How many prompts of a batch ended each way: what a job reports. */
export function countOf(outcomes: Map<string, SendOutcome>): Partial<Record<SendOutcome, number>> {
  const counts: Partial<Record<SendOutcome, number>> = {};
  for (const outcome of outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** The message a stored prompt becomes: its key, patient, triggers and text. */
export function messageOf(
  prompt: Pick<ClaimedPrompt, 'idempotencyKey' | 'patientRef' | 'triggerRefs' | 'reasonRef' | 'language' | 'category' | 'renderedText'>,
): OutgoingMessage {
  return {
    key: prompt.idempotencyKey,
    patientRef: prompt.patientRef,
    aboutRefs: prompt.triggerRefs,
    ...(prompt.reasonRef ? { reasonRef: prompt.reasonRef } : {}),
    ...(prompt.language ? { language: prompt.language } : {}),
    category: prompt.category,
    text: prompt.renderedText,
  };
}

/** A send batch that failed for good is split, so one message the channel chokes on fails alone; a single prompt is recorded as failed. */
export async function abandonSend(work: SendWork, error: unknown, ctx: Context): Promise<void> {
  if (work.promptIds.length > 1) return ctx.enqueue.sends(work.promptIds.map((promptId) => ({ promptIds: [promptId] })));
  for (const promptId of work.promptIds) await ctx.store.markFailed(promptId, `gave up: ${failureReason(error)}`);
}
