/**
 * main.ts's command-line flags → `startFhirServer` options. `--strict` turns every mode on with STRICT_DEFAULTS
 * (auth with the client the flags register); each per-mode flag turns its mode on alone or overrides a default.
 * Ranges are checked by the options schema; this only turns strings into numbers and names the flag that is wrong.
 */
import {
  type FhirServerOptions,
  FhirServerOptionsError,
  parsePublicJwks,
  type RegisteredClient,
  STRICT_DEFAULTS,
} from './strict-options.ts';

export const FLAG_OPTIONS = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  strict: { type: 'boolean', default: false },
  auth: { type: 'boolean', default: false },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-jwks': { type: 'string' },
  'token-lifetime': { type: 'string' },
  'max-url-length': { type: 'string' },
  'include-cap': { type: 'string' },
  conflicts: { type: 'string' },
  'conflict-seed': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-window': { type: 'string' },
  seed: { type: 'string' },
  'seed-value': { type: 'string' },
} as const;

/** The population `npm run demo` seeds (tools/demo/main.ts), so counts can be compared with the demo's. */
const DEMO_SEED = 42;

export type FlagValues = {
  strict?: boolean;
  auth?: boolean;
} & Partial<Record<Exclude<keyof typeof FLAG_OPTIONS, 'strict' | 'auth'>, string>>;

type StrictInput = NonNullable<FhirServerOptions['strict']>;

/** `readJwks` reads and JSON-parses the file `--client-jwks` names. */
export function optionsFromFlags(values: FlagValues, readJwks: (path: string) => unknown): FhirServerOptions {
  const strict: StrictInput = values.strict ? { ...STRICT_DEFAULTS } : {};
  if (values.strict || values.auth) {
    strict.auth = { clients: [registeredClient(values, readJwks)], tokenLifetimeSeconds: numberFlag(values, 'token-lifetime') };
  }
  const maxUrlLength = numberFlag(values, 'max-url-length');
  if (maxUrlLength !== undefined) {
    strict.maxUrlLength = maxUrlLength;
  }
  const includeCap = numberFlag(values, 'include-cap');
  if (includeCap !== undefined) {
    strict.includeCap = includeCap;
  }
  const share = numberFlag(values, 'conflicts');
  if (share !== undefined || values['conflict-seed'] !== undefined) {
    strict.conflicts = {
      share: share ?? STRICT_DEFAULTS.conflicts.share,
      seed: numberFlag(values, 'conflict-seed') ?? STRICT_DEFAULTS.conflicts.seed,
    };
  }
  const interactions = numberFlag(values, 'rate-limit');
  if (interactions !== undefined || values['rate-window'] !== undefined) {
    strict.rateLimit = {
      interactions: interactions ?? STRICT_DEFAULTS.rateLimit.interactions,
      windowSeconds: numberFlag(values, 'rate-window') ?? STRICT_DEFAULTS.rateLimit.windowSeconds,
    };
  }
  return { port: numberFlag(values, 'port'), host: values.host, strict };
}

/** `--seed <patients> [--seed-value <n>]`: the synthetic population to load at start, or undefined. */
export function seedFromFlags(values: FlagValues): { patients: number; seed: number } | undefined {
  const patients = numberFlag(values, 'seed');
  const seed = numberFlag(values, 'seed-value');
  if (patients === undefined) {
    if (seed !== undefined) throw new FhirServerOptionsError('--seed-value needs --seed <patients>, e.g. --seed 300 --seed-value 42');
    return undefined;
  }
  if (!Number.isSafeInteger(patients) || patients < 1) {
    throw new FhirServerOptionsError(`--seed must be a whole number of patients of 1 or more, e.g. --seed 300; got ${patients}`);
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new FhirServerOptionsError(`--seed-value must be a whole number, e.g. --seed-value 42; got ${seed}`);
  }
  return { patients, seed: seed ?? DEMO_SEED };
}

function registeredClient(values: FlagValues, readJwks: (path: string) => unknown): RegisteredClient {
  const clientId = values['client-id'];
  const secret = values['client-secret'];
  const jwksFile = values['client-jwks'];
  if (clientId === undefined || (secret === undefined && jwksFile === undefined)) {
    throw new FhirServerOptionsError(
      'Authentication needs a registered client: add --client-id careprompt with --client-secret <secret> and/or --client-jwks <jwks.json>',
    );
  }
  return { clientId, secret, jwks: jwksFile === undefined ? undefined : parsePublicJwks(readJwks(jwksFile), `--client-jwks ${jwksFile}`) };
}

function numberFlag(values: FlagValues, name: Exclude<keyof FlagValues, 'strict' | 'auth'>): number | undefined {
  const text = values[name];
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new FhirServerOptionsError(`--${name} must be a number, got '${text}'`);
  }
  return value;
}
