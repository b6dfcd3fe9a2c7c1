/**
 * Users, their sessions and API tokens. Hashes come in already made (src/accounts); nothing here sees a
 * password or a token. Changes people make to accounts are audited like changes to campaigns.
 */
import type { Role } from '../accounts/index.ts';
import type { Db } from './client.ts';

export interface User {
  id: string;
  email: string;
  role: Role;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const USER = { id: true, email: true, role: true, lockedUntil: true, lastLoginAt: true, createdAt: true } as const;
const TOKEN = { id: true, name: true, role: true, createdBy: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

export class DuplicateEmailError extends Error {
  override readonly name = 'DuplicateEmailError';
  constructor() {
    super('a user with this email exists already');
  }
}

export async function createUser(db: Db, user: { email: string; role: Role; passwordHash: string }, actor: string): Promise<User> {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.user.create({ data: user, select: USER });
      await tx.auditEvent.create({
        data: { actor, action: 'user.created', entityType: 'User', entityId: created.id, details: { role: user.role } },
      });
      return created;
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'P2002') throw new DuplicateEmailError();
    throw error;
  }
}

export function listUsers(db: Db): Promise<User[]> {
  return db.user.findMany({ select: USER, orderBy: { email: 'asc' } });
}

/** The account a sign-in names, with what deciding it needs. */
export function findLogin(db: Db, email: string) {
  return db.user.findUnique({ where: { email }, select: { ...USER, passwordHash: true, failedLogins: true } });
}

/** Counts a failed sign-in; the one that reaches `maxFailures` locks the account until `lockUntil`. */
export async function recordLoginFailure(db: Db, userId: string, maxFailures: number, lockUntil: Date): Promise<{ locked: boolean }> {
  const [row] = await db.$queryRaw<Array<{ locked: boolean }>>`
    UPDATE users SET failed_logins = failed_logins + 1,
      locked_until = CASE WHEN failed_logins + 1 >= ${maxFailures} THEN ${lockUntil}::timestamptz ELSE locked_until END,
      updated_at = now()
    WHERE id = ${userId}::uuid
    RETURNING failed_logins >= ${maxFailures} AS locked`;
  if (row?.locked) {
    await db.auditEvent.create({ data: { actor: 'careprompt', action: 'user.locked', entityType: 'User', entityId: userId } });
    // The counter starts again after the lock, so the next failure does not lock at once.
    await db.user.update({ where: { id: userId }, data: { failedLogins: 0 } });
  }
  return { locked: row?.locked ?? false };
}

/**
 * A successful sign-in: the counter is cleared and a new session made. `replacing`: the session the browser
 * held before (rotation: an id planted before sign-in never becomes a signed-in session).
 */
export async function startSession(
  db: Db,
  session: { key: string; userId: string; now: Date; expiresAt: Date },
  replacing: string | undefined,
): Promise<void> {
  await db.$transaction([
    db.session.deleteMany({ where: { id: replacing ?? '', userId: session.userId } }),
    db.session.deleteMany({ where: { userId: session.userId, expiresAt: { lte: session.now } } }),
    db.session.create({ data: { id: session.key, userId: session.userId, createdAt: session.now, expiresAt: session.expiresAt } }),
    db.user.update({ where: { id: session.userId }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: session.now } }),
  ]);
}

/** The signed-in user of a session that has not expired. */
export async function findSessionUser(db: Db, key: string, now: Date): Promise<User | undefined> {
  const session = await db.session.findUnique({ where: { id: key }, select: { expiresAt: true, user: { select: USER } } });
  return session && session.expiresAt > now ? session.user : undefined;
}

export async function endSession(db: Db, key: string): Promise<void> {
  await db.session.deleteMany({ where: { id: key } });
}

export async function createApiToken(db: Db, token: { name: string; role: Role; tokenHash: string }, actor: string): Promise<ApiTokenInfo> {
  return db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { ...token, createdBy: actor }, select: TOKEN });
    await tx.auditEvent.create({
      data: { actor, action: 'token.created', entityType: 'ApiToken', entityId: created.id, details: { role: token.role } },
    });
    return created;
  });
}

/** The token with this hash, unless revoked; its last use is recorded. */
export async function useApiToken(db: Db, tokenHash: string, now: Date): Promise<ApiTokenInfo | undefined> {
  const found = await db.apiToken.findUnique({ where: { tokenHash }, select: TOKEN });
  if (!found || found.revokedAt) return undefined;
  await db.apiToken.update({ where: { id: found.id }, data: { lastUsedAt: now } });
  return found;
}

export function listApiTokens(db: Db): Promise<ApiTokenInfo[]> {
  return db.apiToken.findMany({ select: TOKEN, orderBy: { createdAt: 'asc' } });
}

/** False when there is no such token or it was revoked already. */
export async function revokeApiToken(db: Db, id: string, actor: string, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
    if (count === 1) await tx.auditEvent.create({ data: { actor, action: 'token.revoked', entityType: 'ApiToken', entityId: id } });
    return count === 1;
  });
}
