/**
 * Deliver one outbox row. The row is re-read first (a row already sent ends the job), and the transport is
 * idempotent on the prompt key, so a retry after a lost response returns the message already delivered.
 */
import type { PromptCategory } from '../../delivery/index.ts';
import { FhirRequestError } from '../../fhir/index.ts';
import { getPrompt, markFailed, markSent, recordAttempt } from '../../store/index.ts';
import type { SendJob } from '../jobs.ts';
import type { AttemptInfo, Services } from './context.ts';

export type SendOutcome = 'sent' | 'already-sent' | 'not-sendable' | 'failed';

export async function sendPrompt(job: SendJob, services: Services, attempt: AttemptInfo): Promise<SendOutcome> {
  const { db, transport, clock } = services;
  const prompt = await getPrompt(db, job.promptId);
  if (!prompt) return 'not-sendable';
  if (prompt.status === 'sent') return 'already-sent';
  if (prompt.status !== 'queued' || prompt.renderedText === null) return 'not-sendable';

  await recordAttempt(db, prompt.id);
  try {
    const receipt = await transport.send({
      key: prompt.idempotencyKey,
      patientRef: prompt.patientRef,
      aboutRefs: prompt.triggerRefs,
      ...(prompt.reasonRef ? { reasonRef: prompt.reasonRef } : {}),
      ...(prompt.language ? { language: prompt.language } : {}),
      category: prompt.category as PromptCategory,
      text: prompt.renderedText,
    });
    await markSent(db, prompt.id, receipt.id, clock());
    services.logger.info({ promptId: prompt.id, communicationId: receipt.id, created: receipt.created }, 'send: delivered');
    return 'sent';
  } catch (error) {
    if (error instanceof FhirRequestError) {
      // The server refused the message itself: retrying would be refused again.
      await markFailed(db, prompt.id, `rejected by ${transport.name}: ${error.message}; ${error.outcome}`);
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
