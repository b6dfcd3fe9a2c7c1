/**
 * The strict test server as the bench runs it: the modes a real EHR imposes on every request all on, none of
 * them firing. SMART Backend Services (a key pair made for the run, its public JWKS registered through the
 * server's flags), Medplum's include cap of 1,000, conditional creates refused at a share of 0, and a rate
 * limit no run reaches. What the strict section measures is what those checks cost when nothing goes wrong.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Config } from '../src/config/index.ts';
import { createAccessTokens } from '../src/fhir/index.ts';
import { generateSigningKey, publicJwks } from '../src/keys/index.ts';
import type { StrictStats } from '../tools/fhir-server/index.ts';

const CLIENT_ID = 'careprompt-bench';
/** Medplum's cap on a search's matches plus included entries. */
const INCLUDE_CAP = 1000;
/** Interactions per minute: a 10,000-patient run makes about 4,300, a 100,000-patient one about 44,000. */
const RATE_LIMIT = 1_000_000;

export interface StrictSetup {
  /** tools/fhir-server/main.ts's flags. */
  serverFlags: string[];
  /** The engine's environment: FHIR_AUTH=smart-backend with the run's key. */
  engineEnv: Record<string, string>;
  /** The same client with its secret (client_secret_basic), for the bench's own requests: seeding. */
  benchClientEnv: Record<string, string>;
  /** Deletes the key files. */
  dispose(): Promise<void>;
}

export async function createStrictSetup(): Promise<StrictSetup> {
  const dir = await mkdtemp(join(os.tmpdir(), 'careprompt-bench-keys-'));
  const key = await generateSigningKey('ES384');
  const privateKeyFile = join(dir, 'private-key.json');
  const jwksFile = join(dir, 'jwks.json');
  await writeFile(privateKeyFile, JSON.stringify(key.privateJwk), { mode: 0o600 });
  await writeFile(jwksFile, JSON.stringify(publicJwks(key)));
  const secret = randomBytes(24).toString('base64url');
  return {
    serverFlags: [
      ...['--auth', '--client-id', CLIENT_ID, '--client-secret', secret, '--client-jwks', jwksFile],
      ...['--include-cap', String(INCLUDE_CAP), '--conflicts', '0', '--rate-limit', String(RATE_LIMIT), '--rate-window', '60'],
    ],
    engineEnv: { FHIR_AUTH: 'smart-backend', FHIR_CLIENT_ID: CLIENT_ID, FHIR_PRIVATE_KEY_FILE: privateKeyFile },
    benchClientEnv: { FHIR_AUTH: 'client-credentials', FHIR_CLIENT_ID: CLIENT_ID, FHIR_CLIENT_SECRET: secret },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Request headers for the bench's own requests to the server `config` names: a token from its token endpoint. */
export async function benchAuthorization(config: Readonly<Config>): Promise<Record<string, string>> {
  const token = await createAccessTokens(config.fhir.auth, config.fhir).current();
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The strict modes' counts between two readings. */
export function statsBetween(before: StrictStats, after: StrictStats): StrictStats {
  const between = { ...after };
  for (const key of Object.keys(between) as Array<keyof StrictStats>) between[key] = after[key] - before[key];
  return between;
}

/** Requests or token requests a strict mode refused: none should be, in a run where no fault is meant to fire. */
export function refusals(stats: StrictStats): number {
  return stats.uriTooLong + stats.tokenRequestsRefused + stats.unauthorized + stats.includeCapped + stats.conflicts + stats.throttled;
}
