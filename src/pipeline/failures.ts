/**
 * How a stage's failure is to be treated by whoever runs it (the queue layer translates this into its own terms):
 *  - fatal: not the work's fault, and every other request would fail the same way (the FHIR server refuses
 *    careprompt's credentials): stop the whole pipeline; the work stays owed in the store.
 *  - permanent: this work fails the same way every time (a refused request, malformed data, an unusable
 *    template): give up on it at once.
 *  - transient: may work later: retry. When the server announced how long to wait (a spent rate-limit quota),
 *    the work sits that wait out without spending an attempt (see announcedWaitMs).
 */
import { DeliveryRejected, DeliveryTransient } from '../delivery/index.ts';
import { FhirAuthError, FhirDataError, FhirRequestError, FhirTransientError } from '../fhir/index.ts';
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
 * each attempt, and is never shorter than a wait the server or channel announced (see announcedOf).
 */
export function retryDelayMs(error: unknown, attempt: number, baseMs: number): number {
  return Math.max(baseMs * 2 ** Math.max(0, attempt - 1), announcedOf(error) ?? 0);
}

/**
 * The wait a transiently failed piece of work sits out without spending one of its attempts: the server set the
 * pace (an hourly quota spent), the work did nothing wrong. Undefined when nobody announced a wait. `dueForMs`:
 * how long ago the work became due; `maxWaitMs` (PROMPT_EXPIRY_HOURS): work older than that is dropped by the
 * policy anyway, so the wait ends there at the latest, and past it an announced wait is an ordinary retry that
 * spends an attempt; a server that never stops announcing waits cannot hold work forever.
 */
export function announcedWaitMs(error: unknown, dueForMs: number, maxWaitMs: number): number | undefined {
  const announced = announcedOf(error);
  const left = maxWaitMs - dueForMs;
  return announced === undefined || left <= 0 ? undefined : Math.min(announced, left);
}

/** A wait the FHIR server or the channel announced, found along the error's causes. */
function announcedOf(error: unknown): number | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause instanceof DeliveryTransient || cause instanceof FhirTransientError) && cause.retryAfterMs !== undefined)
      return cause.retryAfterMs;
  }
  return undefined;
}
