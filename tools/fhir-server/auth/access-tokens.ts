/**
 * Opaque bearer tokens with an expiry. Checking one is a Map lookup: no crypto on the FHIR request path.
 */
import { randomBytes } from 'node:crypto';

const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

export class AccessTokens {
  /** Token → expiry in ms since the epoch. */
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly now: () => number,
  ) {}

  issue(): { token: string; expiresIn: number } {
    this.forgetExpired();
    const token = randomBytes(32).toString('base64url');
    this.expiries.set(token, this.now() + this.lifetimeSeconds * 1000);
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** True when the `Authorization` header carries a token issued here that has not expired. */
  admits(authorization: string | undefined): boolean {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    const expiry = token === undefined ? undefined : this.expiries.get(token);
    return expiry !== undefined && this.now() < expiry;
  }

  /** Tokens are issued rarely (one per client per lifetime), so a sweep at each issue keeps the map small. */
  private forgetExpired(): void {
    const now = this.now();
    for (const [token, expiry] of this.expiries) {
      if (expiry <= now) {
        this.expiries.delete(token);
      }
    }
  }
}
