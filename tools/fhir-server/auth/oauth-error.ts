/** A refusal at the token endpoint, in RFC 6749 §5.2 form. Its description never quotes a secret or an assertion. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }

  /** 401 for a client that failed to authenticate, 400 for a malformed request (RFC 6749 §5.2). */
  get status(): number {
    return this.code === 'invalid_client' ? 401 : 400;
  }
}
