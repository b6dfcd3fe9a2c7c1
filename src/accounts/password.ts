/**
 * Passwords as argon2id hashes (@node-rs/argon2: prebuilt, no install script). The parameters are the library's
 * defaults (19 MiB, 2 passes), OWASP's minimum for argon2id; they are stored in each hash, so raising them later
 * leaves old hashes verifiable.
 */
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id: the package's enum is an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2;

export const MIN_PASSWORD_LENGTH = 12;

export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A hash the library cannot read (edited by hand) matches no password.
    return false;
  }
}

/** Verified against when the email is unknown, so a missing account takes as long to refuse as a wrong password. */
let decoy: Promise<string> | undefined;
export async function spendVerifyTime(password: string): Promise<void> {
  decoy ??= hashPassword('careprompt-decoy-password');
  await verifyPassword(await decoy, password);
}
