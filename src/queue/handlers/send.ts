/**
 * Deliver a batch of outbox rows. The rows are claimed first (a lease: no concurrent sender delivers them too)
 * and what may have changed since they were written is checked again; then each is delivered in turn, so a
 * send job has one request in flight at a time, and the batch is recorded as sent in one statement. The
 * transport is idempotent on the prompt key: a retry after a lost response, or after a crash before the batch
 * was recorded, returns the message already delivered.
 */

import { DeliveryRejected, type OutgoingMessage } from '../../delivery/index.ts';
import {
  type ClaimedPrompt,
  claimForSending,
  type Delivery,
  extendLease,
  getPromptStatuses,
  holdForReview,
  markFailed,
  markSent,
  releaseLease,
  type SendLease,
  withdrawQueued,
} from '../../store/index.ts';
import type { SendJob } from '../jobs.ts';
import type { Services } from './context.ts';
import { keepLease } from './lease-keeper.ts';

export type SendOutcome = 'sent' | 'already-sent' | 'in-flight' | 'not-sendable' | 'withdrawn' | 'held-for-review' | 'failed';

/** The lease could not be renewed for half its length: the rest of the batch is left to the job's retry. */
class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Each prompt's outcome, by prompt id. */
export async function sendPrompts(job: SendJob, services: Services): Promise<Map<string, SendOutcome>> {
  const { db } = services;
  const lease = await claimForSending(db, job.promptIds, services.config.queue.sendLeaseMs);
  const outcomes = await outcomesOfUnclaimed(job.promptIds, lease.prompts, services);
  const delivered: Delivery[] = [];
  try {
    const sendable = await applySendTimeChecks(lease.prompts, services, outcomes, delivered);
    if (sendable.length > 0) await deliver(sendable, lease.token, services, outcomes, delivered);
    await markSent(db, delivered);
  } catch (error) {
    await giveBack(lease, delivered, outcomes, services);
    throw error;
  }
  services.logger.info({ prompts: job.promptIds.length, ...countOf(outcomes) }, 'send: batch done');
  return outcomes;
}

/**
 * Settles the prompts that must not go out now; returns the others, in order. One an earlier sender may have
 * delivered before dying is looked up first: if it went out, it is recorded as sent, not withdrawn, so the
 * record never denies a message the patient has.
 */
async function applySendTimeChecks(
  prompts: readonly ClaimedPrompt[],
  services: Services,
  outcomes: Map<string, SendOutcome>,
  delivered: Delivery[],
): Promise<ClaimedPrompt[]> {
  const sendable: ClaimedPrompt[] = [];
  for (const prompt of prompts) {
    const stop = reasonNotToSend(prompt, services);
    const earlier = stop && prompt.attempts > 1 ? await services.transport.findDelivered(prompt.idempotencyKey) : undefined;
    if (earlier) {
      delivered.push({ promptId: prompt.id, externalId: earlier.externalId, sentAt: earlier.sentAt ?? services.clock() });
      outcomes.set(prompt.id, 'already-sent');
    } else if (stop === 'review') {
      await holdForReview(services.db, prompt.id);
      outcomes.set(prompt.id, 'held-for-review');
    } else if (stop) {
      await withdrawQueued(services.db, prompt.id, stop);
      outcomes.set(prompt.id, 'withdrawn');
    } else {
      sendable.push(prompt);
    }
  }
  return sendable;
}

/**
 * Delivers the prompts one after another, adding each to `delivered`. A message the server refuses fails
 * alone; a transient failure (the server is likely unwell) or a lease that can no longer be renewed stops
 * the batch.
 */
async function deliver(
  prompts: readonly ClaimedPrompt[],
  leaseToken: string,
  services: Services,
  outcomes: Map<string, SendOutcome>,
  delivered: Delivery[],
): Promise<void> {
  const { db, transport, clock } = services;
  const leaseMs = services.config.queue.sendLeaseMs;
  const ids = prompts.map((prompt) => prompt.id);
  const lease = keepLease({
    leaseMs,
    renew: () => extendLease(db, ids, leaseToken, leaseMs),
    onRenewalError: (error) => services.logger.warn({ prompts: ids.length, err: error }, 'send: lease not renewed'),
  });
  try {
    for (const prompt of prompts) {
      if (!lease.held()) throw new LeaseLostError(`send lease not renewed for ${leaseMs / 2000} s; the batch stops`);
      try {
        const receipt = await transport.send(messageOf(prompt));
        delivered.push({ promptId: prompt.id, externalId: receipt.externalId, sentAt: clock() });
        outcomes.set(prompt.id, 'sent');
      } catch (error) {
        if (!(error instanceof DeliveryRejected)) throw error;
        // The channel refused the message itself: retrying would be refused again.
        await markFailed(db, prompt.id, `rejected by ${transport.channel}: ${error.reason}`);
        outcomes.set(prompt.id, 'failed');
      }
    }
  } finally {
    lease.stop();
  }
}

/**
 * After a failure: records what was delivered, if the database lets it, and gives back every claimed row not
 * settled, so the job's retry finds them free. Rows delivered but not recorded are given back too: the retry
 * posts them again and the conditional create returns the Communication already made. Nothing here may hide
 * the failure that got us here; a lease not given back simply lapses.
 */
async function giveBack(lease: SendLease, delivered: Delivery[], outcomes: Map<string, SendOutcome>, services: Services) {
  const unsettled = lease.prompts.map((prompt) => prompt.id).filter((id) => !outcomes.has(id));
  try {
    await markSent(services.db, delivered);
  } catch {
    unsettled.push(...delivered.map((delivery) => delivery.promptId));
  }
  try {
    await releaseLease(services.db, unsettled, lease.token);
  } catch (error) {
    services.logger.warn({ prompts: unsettled.length, err: error }, 'send: lease not given back; it lapses');
  }
}

/** Why the prompts this claim did not lease were left alone. */
async function outcomesOfUnclaimed(
  promptIds: readonly string[],
  claimed: readonly ClaimedPrompt[],
  services: Services,
): Promise<Map<string, SendOutcome>> {
  const outcomes = new Map<string, SendOutcome>();
  const claimedIds = new Set(claimed.map((prompt) => prompt.id));
  const unclaimed = promptIds.filter((id) => !claimedIds.has(id));
  if (unclaimed.length === 0) return outcomes;
  const statuses = await getPromptStatuses(services.db, unclaimed);
  for (const id of unclaimed) {
    const status = statuses.get(id);
    outcomes.set(id, status === 'sent' ? 'already-sent' : status === 'queued' ? 'in-flight' : 'not-sendable');
  }
  return outcomes;
}

/** What changed since the prompt was written that forbids sending it now: `review`, a reason, or undefined. */
function reasonNotToSend(prompt: ClaimedPrompt, services: Services): string | undefined {
  if (!prompt.campaign.active) return 'campaign deactivated before delivery';
  // The campaign may have started to require review after this prompt was written without one.
  if (prompt.campaign.review === 'required' && !prompt.reviewedBy) return 'review';
  if (services.clock().getTime() - prompt.queuedAtMs > services.config.queue.expireAfterMs) {
    return `expired: not delivered within ${services.config.queue.expireAfterMs / 3_600_000} hours`;
  }
  return undefined;
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
