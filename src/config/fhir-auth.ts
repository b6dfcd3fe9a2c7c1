/**
 * How careprompt authenticates to the FHIR server (FHIR_AUTH and the variables of each mode). Only the
 * variables of the chosen mode are read, so a server without authentication needs none of them.
 */
import { z } from 'zod';
import { readSigningKey, type SigningKey, SigningKeyError } from '../keys/index.ts';
import { TRIGGER_RESOURCE_TYPES } from '../triggers/index.ts';
import { Secret } from './secret.ts';

export const FHIR_AUTH_MODES = ['none', 'bearer', 'client-credentials', 'smart-backend'] as const;
type Mode = (typeof FHIR_AUTH_MODES)[number];

/**
 * Read and search of every resource careprompt reads (trigger resources, Patients with their records,
 * Communications looked up by identifier before a prompt is withdrawn) and create of Communication.
 */
export const DEFAULT_FHIR_SCOPES = [
  ...['Patient', ...TRIGGER_RESOURCE_TYPES, 'Consent', 'Communication'].map((type) => `system/${type}.rs`),
  'system/Communication.c',
].join(' ');

// RFC 6749 §3.3: scope tokens of printable ASCII other than space, `"` and `\`, separated by spaces.
const SCOPE_LIST = /^[\x21\x23-\x5B\x5D-\x7E]+(\s+[\x21\x23-\x5B\x5D-\x7E]+)*$/;

export const authVariables = {
  FHIR_AUTH: { schema: z.enum(FHIR_AUTH_MODES).default('none'), example: 'smart-backend' },
  FHIR_TOKEN: { schema: z.string().min(1), example: 'eyJhbGciOiJSUzM4NCJ9.…' },
  FHIR_CLIENT_ID: { schema: z.string().min(1), example: 'careprompt-backend' },
  FHIR_CLIENT_SECRET: { schema: z.string().min(1), example: 'the secret the EHR issued' },
  FHIR_PRIVATE_KEY_FILE: { schema: z.string().min(1), example: '/etc/careprompt/keys/private-key.json' },
  FHIR_KEY_ID: { schema: z.string().min(1).optional(), example: 'the kid registered with the EHR' },
  FHIR_SCOPES: {
    schema: z
      .string()
      .trim()
      .regex(SCOPE_LIST, { message: 'must be scopes separated by spaces' })
      .transform((scopes) => scopes.split(/\s+/).join(' '))
      .default(DEFAULT_FHIR_SCOPES),
    example: 'system/Patient.rs system/Communication.c',
  },
  FHIR_TOKEN_URL: {
    schema: z
      .url()
      .refine((value) => /^https?:/.test(value), { message: 'must use http or https' })
      .optional(),
    example: 'https://ehr.example.org/oauth2/token',
  },
} as const;

type AuthName = keyof typeof authVariables;

/** The variables each mode reads; FHIR_AUTH itself is always read. */
const VARIABLES_OF: Record<Mode, readonly AuthName[]> = {
  none: [],
  bearer: ['FHIR_TOKEN'],
  'client-credentials': ['FHIR_CLIENT_ID', 'FHIR_CLIENT_SECRET', 'FHIR_SCOPES', 'FHIR_TOKEN_URL'],
  'smart-backend': ['FHIR_CLIENT_ID', 'FHIR_PRIVATE_KEY_FILE', 'FHIR_KEY_ID', 'FHIR_SCOPES', 'FHIR_TOKEN_URL'],
};

/** The auth variables to parse: those of the mode FHIR_AUTH names (none when it names no mode). */
export function authVariableNames(env: NodeJS.ProcessEnv): AuthName[] {
  const mode = authVariables.FHIR_AUTH.schema.safeParse(env.FHIR_AUTH);
  return ['FHIR_AUTH', ...VARIABLES_OF[mode.success ? mode.data : 'none']];
}

interface OAuthClient {
  clientId: string;
  /** Space-separated, as sent in the token request. */
  scopes: string;
  /** Unset: discovered from `<FHIR_BASE_URL>/.well-known/smart-configuration`. */
  tokenUrl?: string;
}

export type FhirAuth =
  | { mode: 'none' }
  | { mode: 'bearer'; token: Secret }
  | ({ mode: 'client-credentials'; clientSecret: Secret } & OAuthClient)
  | ({ mode: 'smart-backend'; signingKey: SigningKey & { keyId: string } } & OAuthClient);

type Parsed = { [K in AuthName]?: z.infer<(typeof authVariables)[K]['schema']> };

/** The parsed variables as a FhirAuth, or the one problem (variable and text) that prevents it. */
export function fhirAuthOf(e: Parsed): FhirAuth | { variable: AuthName; problem: string } {
  // The mode's required variables were parsed (authVariableNames); one missing here is a bug.
  const need = <K extends AuthName>(name: K): NonNullable<Parsed[K]> => {
    const value = e[name];
    if (value === undefined || value === null) throw new Error(`${name} was not parsed for FHIR_AUTH=${e.FHIR_AUTH}`);
    return value;
  };
  const oauth = (): OAuthClient => ({
    clientId: need('FHIR_CLIENT_ID'),
    scopes: need('FHIR_SCOPES'),
    ...(e.FHIR_TOKEN_URL ? { tokenUrl: e.FHIR_TOKEN_URL } : {}),
  });
  switch (need('FHIR_AUTH')) {
    case 'none':
      return { mode: 'none' };
    case 'bearer':
      return { mode: 'bearer', token: new Secret(need('FHIR_TOKEN')) };
    case 'client-credentials':
      return { mode: 'client-credentials', clientSecret: new Secret(need('FHIR_CLIENT_SECRET')), ...oauth() };
    case 'smart-backend': {
      const file = need('FHIR_PRIVATE_KEY_FILE');
      let key: SigningKey;
      try {
        key = readSigningKey(file, { keyId: e.FHIR_KEY_ID });
      } catch (error) {
        if (!(error instanceof SigningKeyError)) throw error;
        return { variable: 'FHIR_PRIVATE_KEY_FILE', problem: error.message };
      }
      const keyId = e.FHIR_KEY_ID ?? key.keyId;
      if (!keyId) return { variable: 'FHIR_KEY_ID', problem: `is not set and ${file} holds no kid` };
      return { mode: 'smart-backend', signingKey: { ...key, keyId }, ...oauth() };
    }
  }
}
