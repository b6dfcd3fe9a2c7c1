/**
 * Deliver one outbox row. The row is claimed first (a lease: no concurrent sender delivers it too), what may
 * have changed since it was written is checked again, and the transport is idempotent on the prompt key, so
 * a retry after a lost response returns the message already delivered.
 */

import type { OutgoingMessage } from '../../delivery/index.ts';
import { type CommunicationCategory, FhirRequestError, failureReason } from '../../fhir/index.ts';
import {
  type ClaimedPrompt,
  claimForSending,
  extendLease,
  getPrompt,
  holdForReview,
  markFailed,
  markSent,
  releaseLease,
  withdrawQueued,
} from '../../store/index.ts';
import type { SendJob } from '../jobs.ts';
import type { Services } from './context.ts';

export type SendOutcome = 'sent' | 'already-sent' | 'in-flight' | 'not-sendable' | 'withdrawn' | 'held-for-review' | 'failed';

export async function sendPrompt(job: SendJob, services: Services): Promise<SendOutcome> {
  const { db, transport, clock, config } = services;
  const leaseMs = config.queue.sendLeaseMs;
  const prompt = await claimForSending(db, job.promptId, leaseMs);
  if (!prompt) {
    const current = await getPrompt(db, job.promptId);
    return current?.status === 'sent' ? 'already-sent' : current?.status === 'queued' ? 'in-flight' : 'not-sendable';
  }
  const stop = reasonNotToSend(prompt, services);
  if (stop === 'review') {
    await holdForReview(db, prompt.id);
    return 'held-for-review';
  }
  if (stop) {
    await withdrawQueued(db, prompt.id, stop);
    return 'withdrawn';
  }
  // Renewed while the transport works (in-request retries can outlast one lease); a sender that dies lets it lapse.
  const heartbeat = setInterval(() => {
    extendLease(db, prompt.id, prompt.leaseToken, leaseMs).catch((error: unknown) =>
      services.logger.warn({ promptId: prompt.id, error: error instanceof Error ? error.name : 'unknown' }, 'send: lease not renewed'),
    );
  }, leaseMs / 3);
  try {
    const receipt = await transport.send(messageOf(prompt));
    await markSent(db, prompt.id, receipt.id, clock());
    services.logger.info({ promptId: prompt.id, communicationId: receipt.id, created: receipt.created }, 'send: delivered');
    return 'sent';
  } catch (error) {
    if (error instanceof FhirRequestError) {
      // The server refused the message itself: retrying would be refused again.
      await markFailed(db, prompt.id, `rejected by ${transport.name}: ${failureReason(error)}`);
      return 'failed';
    }
    await releaseLease(db, prompt.id, prompt.leaseToken);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/** What changed since the prompt was written that forbids sending it now: `review`, a reason, or undefined. */
function reasonNotToSend(prompt: ClaimedPrompt, services: Services): string | undefined {
  if (!prompt.campaignActive) return 'campaign deactivated before delivery';
  // The campaign may have started to require review after this prompt was written without one.
  if (prompt.campaignReview === 'required' && !prompt.reviewedBy) return 'review';
  if (services.clock().getTime() - prompt.queuedAtMs > services.config.queue.expireAfterMs) {
    return `expired: not delivered within ${services.config.queue.expireAfterMs / 3_600_000} hours`;
  }
  return undefined;
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
    category: prompt.category as CommunicationCategory,
    text: prompt.renderedText,
  };
}
