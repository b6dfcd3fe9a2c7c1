/**
 * Deliver one outbox row. The row is re-read first (a row already sent ends the job), and the transport is
 * idempotent on the prompt key, so a retry after a lost response returns the message already delivered.
 */
import { type CommunicationCategory, FhirRequestError, failureReason } from '../../fhir/index.ts';
import { claimForSending, getPrompt, markFailed, markSent } from '../../store/index.ts';
import type { SendJob } from '../jobs.ts';
import type { AttemptInfo, Services } from './context.ts';

export type SendOutcome = 'sent' | 'already-sent' | 'not-sendable' | 'failed';

export async function sendPrompt(job: SendJob, services: Services, attempt: AttemptInfo): Promise<SendOutcome> {
  const { db, transport, clock } = services;
  // Claiming counts the attempt before it is made, so attempts survive a crash mid-send.
  const prompt = await claimForSending(db, job.promptId);
  if (!prompt) {
    const current = await getPrompt(db, job.promptId);
    return current?.status === 'sent' ? 'already-sent' : 'not-sendable';
  }
  try {
    const receipt = await transport.send({
      key: prompt.idempotencyKey,
      patientRef: prompt.patientRef,
      aboutRefs: prompt.triggerRefs,
      ...(prompt.reasonRef ? { reasonRef: prompt.reasonRef } : {}),
      ...(prompt.language ? { language: prompt.language } : {}),
      category: prompt.category as CommunicationCategory,
      text: prompt.renderedText,
    });
    await markSent(db, prompt.id, receipt.id, clock());
    services.logger.info({ promptId: prompt.id, communicationId: receipt.id, created: receipt.created }, 'send: delivered');
    return 'sent';
  } catch (error) {
    if (error instanceof FhirRequestError) {
      // The server refused the message itself: retrying would be refused again.
      await markFailed(db, prompt.id, `rejected by ${transport.name}: ${failureReason(error)}`);
      return 'failed';
    }
    if (attempt.attempt >= attempt.maxAttempts) {
      await markFailed(
        db,
        prompt.id,
        `gave up after ${attempt.attempt} attempts: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 'failed';
    }
    throw error;
  }
}
