/**
 * How a stage's failure is to be treated by whoever runs it (the queue layer translates this into its own terms):
 *  - fatal: not the work's fault, and every other request would fail the same way (the FHIR server refuses
 *    careprompt's credentials): stop the whole pipeline; the work stays owed in the store.
 *  - permanent: this work fails the same way every time (a refused request, malformed data, an unusable
 *    template): give up on it at once.
 *  - transient: may work later: retry.
 */
import { DeliveryRejected, DeliveryTransient } from '../delivery/index.ts';
import { FhirAuthError, FhirDataError, FhirRequestError } from '../fhir/index.ts';
import { TemplateError } from '../render/index.ts';
import { UnknownChannelError } from './send.ts';

export type FailureKind = 'fatal' | 'permanent' | 'transient';

export function failureKind(error: unknown): FailureKind {
  if (error instanceof FhirAuthError) return 'fatal';
  if (
    error instanceof FhirRequestError ||
    error instanceof FhirDataError ||
    error instanceof TemplateError ||
    error instanceof DeliveryRejected ||
    error instanceof UnknownChannelError
  )
    return 'permanent';
  return 'transient';
}

/**
 * How long before a transiently failed piece of work is tried again (its `attempt`, from 1): the delay doubles
 * each attempt, and is never shorter than a wait the channel asked for (DeliveryTransient's retryAfterMs,
 * found along the error's causes).
 */
export function retryDelayMs(error: unknown, attempt: number, baseMs: number): number {
  const backoff = baseMs * 2 ** Math.max(0, attempt - 1);
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof DeliveryTransient && cause.retryAfterMs !== undefined) return Math.max(backoff, cause.retryAfterMs);
  }
  return backoff;
}
