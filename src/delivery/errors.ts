/**
 * The two ways a delivery fails, whatever the channel; a transport throws only these (and errors that must stop
 * the run, such as FhirAuthError, which pass through unchanged). Messages hold ids and statuses only.
 */

/** The channel refused this message: sending it again will be refused again. */
export class DeliveryRejected extends Error {
  override readonly name = 'DeliveryRejected';
  // Private with a getter so log serializers, which copy enumerable fields, never see the server's words.
  readonly #reason: string;

  /** `message`: what happened, ids and statuses only (logs); `reason`: that and the server's explanation. */
  constructor(message: string, reason: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.#reason = reason;
  }

  /** Why, for the prompt's row (the database, not logs): the status and the channel's own explanation. */
  get reason(): string {
    return this.#reason;
  }
}

/** The channel could not take the message now (network, timeout, overload): it may later. */
export class DeliveryTransient extends Error {
  override readonly name = 'DeliveryTransient';
  /** How long the channel asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}
