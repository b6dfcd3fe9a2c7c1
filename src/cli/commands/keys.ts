/**
 * `careprompt keys generate` and `careprompt keys jwks`: the key pair careprompt signs its SMART Backend
 * Services client assertions with, and the public JWKS to register with the EHR.
 */
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  generateSigningKey,
  publicJwks,
  readSigningKey,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  SigningKeyError,
  thumbprintOf,
} from '../../keys/index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { printJson } from '../output.ts';

const PRIVATE_KEY_FILE = 'private-key.json';
const JWKS_FILE = 'jwks.json';

export async function generateKeysCommand(options: { out: string; alg: string }): Promise<number> {
  const algorithm = SIGNING_ALGORITHMS.find((known) => known === options.alg);
  if (!algorithm) throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const dir = resolve(options.out);
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const jwksPath = join(dir, JWKS_FILE);
  for (const path of [privatePath, jwksPath]) {
    if (await exists(path)) return fail(`${path} exists; keys are never overwritten: choose another --out or move it away`);
  }
  const key = await generateSigningKey(algorithm);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // 'wx': fails rather than replace a file that appeared since the check.
  await writeFile(privatePath, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await writeFile(jwksPath, `${JSON.stringify(publicJwks(key), null, 2)}\n`, { mode: 0o644, flag: 'wx' });
  console.log(registrationGuide(algorithm, key.keyId, privatePath, jwksPath));
  return EXIT.ok;
}

/** Prints the public JWKS of a private key file (PEM, JWK or JWKS); a key without a kid gets its thumbprint. */
export async function jwksCommand(file: string, options: { kid?: string }): Promise<number> {
  let key: ReturnType<typeof readSigningKey>;
  try {
    key = readSigningKey(file, { keyId: options.kid });
  } catch (error) {
    if (error instanceof SigningKeyError) return fail(error.message);
    throw error;
  }
  const keyId = options.kid ?? key.keyId ?? (await thumbprintOf(key));
  if (!options.kid && !key.keyId) process.stderr.write(`kid ${keyId} (the key's thumbprint): set FHIR_KEY_ID=${keyId}\n`);
  printJson(publicJwks({ ...key, keyId }));
  return EXIT.ok;
}

function registrationGuide(algorithm: SigningAlgorithm, keyId: string, privatePath: string, jwksPath: string): string {
  return [
    `Generated an ${algorithm} key pair, kid ${keyId}`,
    `  private key  ${privatePath}  (mode 0600: keep it secret and backed up; never commit it)`,
    `  public JWKS  ${jwksPath}`,
    '',
    'Register careprompt with the EHR as a SMART Backend Services (system) client: upload jwks.json, or',
    'publish it at an https URL and register that JWKS URL. Then configure careprompt with:',
    '  FHIR_AUTH=smart-backend',
    '  FHIR_CLIENT_ID=<the client id the EHR assigns>',
    `  FHIR_PRIVATE_KEY_FILE=${privatePath}`,
  ].join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch (error) {
    // Anything but "no such file" (a folder we may not read) is the user's to see, not a go-ahead.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function fail(message: string): number {
  process.stderr.write(`careprompt: ${message}\n`);
  return EXIT.badInput;
}
