/**
 * `careprompt users add|list` and `careprompt tokens create|list|revoke`: the accounts `careprompt serve` signs
 * in, made from the shell (the first admin has no console to use yet). Passwords are read without echo, from the
 * terminal or with --password-stdin; a token is printed once and stored only as its hash.
 */
import { z } from 'zod';
import { hashPassword, newApiToken, passwordProblem, ROLES, Role } from '../../accounts/index.ts';
import { createApiToken, createUser, DuplicateEmailError, listApiTokens, listUsers, revokeApiToken } from '../../store/index.ts';
import { EXIT, InputError, UsageError } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';
import { readSecretLine } from '../secret-input.ts';
import { withDb } from '../with-db.ts';

function roleOf(role: string | undefined): Role {
  const parsed = Role.safeParse(role);
  if (!parsed.success) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return parsed.data;
}

export async function addUser(
  email: string,
  options: { role: string | undefined; passwordStdin: boolean; actor: string },
): Promise<number> {
  if (!z.email().safeParse(email).success) throw new InputError(`"${email}" is not an email address`);
  const role = roleOf(options.role);
  const password = await readSecretLine('password: ', options.passwordStdin);
  const problem = passwordProblem(password);
  if (problem) throw new InputError(`the password ${problem}`);
  const passwordHash = await hashPassword(password);
  try {
    const user = await withDb((db) => createUser(db, { email: email.toLowerCase(), role, passwordHash }, options.actor));
    console.log(`created ${user.role} ${user.email}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DuplicateEmailError) throw new InputError(`${email}: ${error.message}`);
    throw error;
  }
}

export async function printUsers(options: { json: boolean }): Promise<number> {
  const users = await withDb(listUsers);
  if (options.json) printJson(users);
  else
    console.log(
      formatTable(
        ['EMAIL', 'ROLE', 'LAST SIGN-IN', 'LOCKED UNTIL'],
        users.map((user) => [user.email, user.role, user.lastLoginAt?.toISOString() ?? '-', user.lockedUntil?.toISOString() ?? '-']),
      ),
    );
  return EXIT.ok;
}

export async function createToken(name: string, options: { role: string | undefined; actor: string }): Promise<number> {
  const role = roleOf(options.role);
  const { token, hash } = newApiToken();
  const created = await withDb((db) => createApiToken(db, { name, role, tokenHash: hash }, options.actor));
  process.stderr.write(`token ${created.id} (${role}) created; it is shown this once:\n`);
  console.log(token);
  return EXIT.ok;
}

export async function printTokens(options: { json: boolean }): Promise<number> {
  const tokens = await withDb(listApiTokens);
  if (options.json) printJson(tokens);
  else
    console.log(
      formatTable(
        ['ID', 'NAME', 'ROLE', 'CREATED BY', 'LAST USED', 'REVOKED'],
        tokens.map((t) => [t.id, t.name, t.role, t.createdBy, t.lastUsedAt?.toISOString() ?? '-', t.revokedAt?.toISOString() ?? '-']),
      ),
    );
  return EXIT.ok;
}

export async function revokeToken(id: string, options: { actor: string }): Promise<number> {
  if (!z.uuid().safeParse(id).success) throw new UsageError(`"${id}" is not a token id (see: careprompt tokens list)`);
  const revoked = await withDb((db) => revokeApiToken(db, id, options.actor, new Date()));
  if (!revoked) {
    process.stderr.write(`careprompt: no active token ${id}\n`);
    return EXIT.failure;
  }
  console.log(`revoked ${id}`);
  return EXIT.ok;
}
