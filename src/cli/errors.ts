/** Exit codes: 0 ok, 1 the work failed, 2 bad input (usage, configuration, campaign files). */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Bad input that is not a matter of usage (a prompt in the wrong state): exit 2, without the usage text. */
export class InputError extends Error {
  override name = 'InputError';
}
