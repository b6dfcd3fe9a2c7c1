import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../../tools/fhir-server/auth/access-tokens.ts';
import { ConflictInjector, isConditionalCreate } from '../../tools/fhir-server/conflicts.ts';
import { optionsFromFlags } from '../../tools/fhir-server/flags.ts';
import { FhirServerOptionsError, STRICT_DEFAULTS } from '../../tools/fhir-server/index.ts';
import { FixedWindowRateLimit } from '../../tools/fhir-server/rate-limit.ts';
import { parseFhirServerOptions } from '../../tools/fhir-server/strict-options.ts';
import { seededRandom } from '../../tools/random/index.ts';

const EC_PUBLIC_JWK = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1' };
const noFiles = (path: string): unknown => {
  throw new Error(`unexpected read of ${path}`);
};

describe('FixedWindowRateLimit', () => {
  it('spends the budget, refuses once it is spent, and starts a new window when the old one ends', () => {
    let now = 1_000_000;
    const limit = new FixedWindowRateLimit(2, 60, () => now);
    const seen: Array<[boolean, string | undefined]> = [];
    const take = () => {
      const decision = limit.take();
      seen.push([decision.allowed, decision.headers.ratelimit]);
    };

    take();
    now += 59_001;
    take();
    take();
    now += 999;
    take();

    expect(seen).toEqual([
      [true, '"fhirInteractions";r=1;t=60'],
      [true, '"fhirInteractions";r=0;t=1'],
      [false, '"fhirInteractions";r=0;t=1'],
      [true, '"fhirInteractions";r=1;t=60'],
    ]);
    expect(limit.take().headers['ratelimit-policy']).toBe('"fhirInteractions";q=2;w=60');
  });
});

describe('conflicts', () => {
  it('seededRandom gives the same sequence for a seed, another for another seed, within [0, 1)', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 1000 }, () => random());
    };
    const first = draw(42);

    expect(draw(42)).toEqual(first);
    expect(draw(43)).not.toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = first.reduce((sum, value) => sum + value, 0) / first.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('strikes about the share asked for, and never or always at 0 and 1', () => {
    const strikes = (share: number) => {
      const injector = new ConflictInjector(share, 5);
      return Array.from({ length: 1000 }, () => injector.strikes()).filter(Boolean).length;
    };

    expect(strikes(0)).toBe(0);
    expect(strikes(1)).toBe(1000);
    expect(strikes(0.2)).toBeGreaterThan(150);
    expect(strikes(0.2)).toBeLessThan(250);
  });

  it.each([
    ['POST', '/Communication', { 'if-none-exist': 'identifier=a|b' }, true],
    ['POST', '/Communication', {}, false],
    ['PUT', '/Communication', { 'if-none-exist': 'identifier=a|b' }, false],
    ['POST', '/', { 'if-none-exist': 'identifier=a|b' }, false],
    ['POST', '/Communication/_search', { 'if-none-exist': 'identifier=a|b' }, false],
  ])('isConditionalCreate(%s %s %o) is %s', (method, path, headers, expected) => {
    expect(isConditionalCreate(method, path, headers)).toBe(expected);
  });
});

describe('AccessTokens', () => {
  it('admits a token it issued until it expires, whatever the case of "Bearer", and nothing else', () => {
    let now = 0;
    const tokens = new AccessTokens(60, () => now);
    const { token, expiresIn } = tokens.issue();

    expect(expiresIn).toBe(60);
    expect(tokens.admits(`Bearer ${token}`)).toBe(true);
    expect(tokens.admits(`bearer ${token}`)).toBe(true);
    expect(tokens.admits(token)).toBe(false);
    expect(tokens.admits(`Basic ${token}`)).toBe(false);
    expect(tokens.admits(`Bearer ${token}x`)).toBe(false);
    expect(tokens.admits(undefined)).toBe(false);
    now = 59_999;
    expect(tokens.admits(`Bearer ${token}`)).toBe(true);
    now = 60_000;
    expect(tokens.admits(`Bearer ${token}`)).toBe(false);
  });

  it('issues a different token each time', () => {
    const tokens = new AccessTokens(60, () => 0);

    expect(tokens.issue().token).not.toBe(tokens.issue().token);
  });
});

describe('strict options', () => {
  it('are all off by default', () => {
    expect(parseFhirServerOptions({}).strict).toEqual({});
  });

  it.each<[string, unknown, RegExp]>([
    ['a client with neither secret nor jwks', { auth: { clients: [{ clientId: 'a' }] } }, /strict\.auth\.clients\.0: needs a secret/],
    [
      'a private key registered as a client key',
      { auth: { clients: [{ clientId: 'a', jwks: { keys: [{ ...EC_PUBLIC_JWK, d: 'secret-part' }] } }] } },
      /strict\.auth\.clients\.0\.jwks\.keys\.0\.d: is part of a private key/,
    ],
    [
      'two clients with one id',
      {
        auth: {
          clients: [
            { clientId: 'a', secret: 's' },
            { clientId: 'a', secret: 't' },
          ],
        },
      },
      /client ids must be unique/,
    ],
    ['a share above 1', { conflicts: { share: 1.5 } }, /strict\.conflicts\.share/],
    ['an include cap of 0', { includeCap: 0 }, /strict\.includeCap/],
    ['an unknown mode', { retryAfter: true }, /retryAfter/],
  ])('refuse %s, naming the field', (_case, strict, message) => {
    expect(() => parseFhirServerOptions({ strict })).toThrow(FhirServerOptionsError);
    expect(() => parseFhirServerOptions({ strict })).toThrow(message);
  });

  it('never quote a secret in an error', () => {
    const strict = { auth: { clients: [{ clientId: 'a', secret: 'hunter2-secret', extra: 1 }] } };

    expect(() => parseFhirServerOptions({ strict })).toThrow(FhirServerOptionsError);
    expect(() => parseFhirServerOptions({ strict })).not.toThrow(/hunter2/);
  });
});

describe('optionsFromFlags', () => {
  it('turns every mode on with --strict and the client the flags register', () => {
    const options = optionsFromFlags({ strict: true, 'client-id': 'careprompt', 'client-secret': 's', port: '0' }, noFiles);

    expect(parseFhirServerOptions(options).strict).toEqual({
      ...STRICT_DEFAULTS,
      auth: { clients: [{ clientId: 'careprompt', secret: 's' }], tokenLifetimeSeconds: 3600 },
    });
  });

  it('turns one mode on with its own flag, and lets a flag override a --strict default', () => {
    const alone = optionsFromFlags({ conflicts: '0.25', 'conflict-seed': '9' }, noFiles);
    const tuned = optionsFromFlags(
      { strict: true, 'client-id': 'c', 'client-secret': 's', 'rate-limit': '100', 'include-cap': '50', 'max-url-length': '2048' },
      noFiles,
    );

    expect(alone.strict).toEqual({ conflicts: { share: 0.25, seed: 9 } });
    expect(tuned.strict?.rateLimit).toEqual({ interactions: 100, windowSeconds: STRICT_DEFAULTS.rateLimit.windowSeconds });
    expect(tuned.strict?.includeCap).toBe(50);
    expect(tuned.strict?.maxUrlLength).toBe(2048);
    expect(tuned.strict?.conflicts).toEqual(STRICT_DEFAULTS.conflicts);
  });

  it('reads a client JWKS from the file --client-jwks names, and refuses a private key in it', () => {
    const options = optionsFromFlags({ auth: true, 'client-id': 'c', 'client-jwks': 'jwks.json' }, () => ({ keys: [EC_PUBLIC_JWK] }));

    expect(options.strict?.auth?.clients).toEqual([{ clientId: 'c', secret: undefined, jwks: { keys: [EC_PUBLIC_JWK] } }]);
    expect(() =>
      optionsFromFlags({ auth: true, 'client-id': 'c', 'client-jwks': 'private.json' }, () => ({ keys: [{ ...EC_PUBLIC_JWK, d: 'x' }] })),
    ).toThrow(/--client-jwks private.json: keys\.0\.d: is part of a private key/);
  });

  it.each<[string, Record<string, string | boolean>, RegExp]>([
    ['--strict without a client', { strict: true }, /needs a registered client: add --client-id/],
    ['--auth with a client id only', { auth: true, 'client-id': 'c' }, /needs a registered client/],
    ['a number flag that is not a number', { 'include-cap': 'lots' }, /--include-cap must be a number, got 'lots'/],
    ['an empty number flag', { 'rate-limit': ' ' }, /--rate-limit must be a number/],
  ])('refuses %s', (_case, flags, message) => {
    expect(() => optionsFromFlags(flags, noFiles)).toThrow(FhirServerOptionsError);
    expect(() => optionsFromFlags(flags, noFiles)).toThrow(message);
  });
});
