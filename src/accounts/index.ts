/** Accounts: roles, password hashing and the random secrets that stand for people and machines. No I/O. */
export { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem, spendVerifyTime, verifyPassword } from './password.ts';
export { ROLES, Role } from './roles.ts';
export { csrfToken, hashApiToken, newApiToken, newSessionId, sameSecret, sessionKey } from './secrets.ts';
