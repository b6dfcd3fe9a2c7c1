/**
 * The options of `startFhirServer`, parsed once with zod. Every strict mode is off unless its key is given, so a
 * server started with `{}` behaves exactly as the forgiving test server always has. What each mode imitates is
 * described in the README ("A test server that behaves like a real EHR"): Medplum 4.5.2 as it was observed.
 */
import { z } from 'zod';

/**
 * A public key to verify client assertions with; a private key (`d`) registered by mistake is refused. Typed
 * loosely enough to take jose's `JWK` as `exportJWK` gives it.
 */
const publicJwk = z.looseObject({
  kty: z
    .string()
    .optional()
    .refine((kty) => kty === 'EC' || kty === 'RSA', { message: "must be 'EC' or 'RSA' (keys for ES384 or RS384)" }),
  kid: z.string().min(1).optional(),
  d: z
    .unknown()
    .optional()
    .refine((d) => d === undefined, {
      message: 'is part of a private key: register the public JWKS (careprompt keys jwks <private-key-file>)',
    }),
});

/** A JSON Web Key Set as `careprompt keys jwks` prints it. */
export const publicJwksSchema = z.object({ keys: z.array(publicJwk).min(1) });

const registeredClient = z
  .object({
    clientId: z.string().min(1).max(256),
    /** For `client_secret_basic`. */
    secret: z.string().min(1).optional(),
    /** For `private_key_jwt`: the client's public keys. */
    jwks: publicJwksSchema.optional(),
  })
  .strict()
  .refine((client) => client.secret !== undefined || client.jwks !== undefined, {
    message: 'needs a secret (client_secret_basic) or a jwks (private_key_jwt), e.g. { clientId: "careprompt", secret: "…" }',
  });

export const strictOptionsSchema = z
  .object({
    /** Bearer tokens on every FHIR request, issued at `/oauth2/token` to the registered clients. */
    auth: z
      .object({
        clients: z
          .array(registeredClient)
          .min(1)
          .refine((clients) => new Set(clients.map((client) => client.clientId)).size === clients.length, {
            message: 'client ids must be unique',
          }),
        /** `expires_in` of the tokens issued; Medplum's last about an hour. */
        tokenLifetimeSeconds: z.int().min(1).max(86_400).default(3600),
      })
      .strict()
      .optional(),
    /**
     * A request whose target (path and query) is longer than this many characters is refused with 414, as the web
     * servers in front of EHRs do: 8 KB request lines for nginx, Apache and Jetty.
     */
    maxUrlLength: z.int().min(100).optional(),
    /** A search whose answer (matches and included entries) would exceed this is refused with 400; Medplum's is 1,000. */
    includeCap: z.int().min(1).optional(),
    /** This share (0–1) of conditional creates is refused with 409, drawn from a PRNG seeded with `seed`. */
    conflicts: z
      .object({ share: z.number().min(0).max(1), seed: z.int().default(1) })
      .strict()
      .optional(),
    /** A budget of FHIR interactions per fixed window, announced in `RateLimit` headers; 429 beyond it. */
    rateLimit: z
      .object({ interactions: z.int().min(1), windowSeconds: z.int().min(1).max(3600).default(60) })
      .strict()
      .optional(),
  })
  .strict();

export const fhirServerOptionsSchema = z
  .object({
    /** 0 (the default) picks a free port. */
    port: z.int().min(0).max(65_535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    strict: strictOptionsSchema.default({}),
    /** Milliseconds since the epoch; tests inject one to expire tokens and roll rate windows without waiting. */
    clock: z.custom<() => number>((value) => typeof value === 'function', { message: 'must be a function returning ms' }).optional(),
  })
  .strict();

/** What callers pass (defaults may be left out). */
export type FhirServerOptions = z.input<typeof fhirServerOptionsSchema>;
export type StrictOptions = z.output<typeof strictOptionsSchema>;
export type RegisteredClient = z.output<typeof registeredClient>;
export type PublicJwks = z.output<typeof publicJwksSchema>;

/** `--strict` in main.ts: every mode but auth (which needs a client) on, with Medplum's figures where it has them. */
export const STRICT_DEFAULTS = {
  maxUrlLength: 8192,
  includeCap: 1000,
  conflicts: { share: 0.1, seed: 1 },
  rateLimit: { interactions: 50_000, windowSeconds: 60 },
} as const satisfies z.input<typeof strictOptionsSchema>;

export class FhirServerOptionsError extends Error {
  override readonly name = 'FhirServerOptionsError';
}

export function parseFhirServerOptions(options: unknown): z.output<typeof fhirServerOptionsSchema> {
  return parseOrThrow(fhirServerOptionsSchema, options, 'Invalid FHIR server options');
}

/** `source` names the file the JWKS came from. */
export function parsePublicJwks(jwks: unknown, source: string): PublicJwks {
  return parseOrThrow(publicJwksSchema, jwks, `Invalid JWKS in ${source}`);
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, heading: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // Issues name the field and the rule, never the value: a secret or a key stays out of the message.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new FhirServerOptionsError(`${heading}: ${problems.join('; ')}`);
  }
  return parsed.data;
}
