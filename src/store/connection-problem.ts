/**
 * A database that cannot be reached, told in one line an operator can act on: the variable, host and port (never
 * the user or password) and Prisma's code, instead of Prisma's message with its code frame and source path.
 */
import { Prisma } from '../generated/prisma/client.ts';

/** Prisma's connection error codes and what each means here. */
const CONNECTION_PROBLEMS: Record<string, string> = {
  P1000: 'the user name or password was refused',
  P1001: 'no database server answers there',
  P1002: 'the connection timed out',
  P1003: 'the database does not exist there (run scripts/setup.sh, or fix the database name)',
  P1010: 'the user may not use that database',
  P1017: 'the server closed the connection',
};

/**
 * One line naming DATABASE_URL's host and port when `error` is a connection failure; undefined otherwise.
 * The URL is asked for only then: a command that failed otherwise may have no DATABASE_URL at all.
 */
export function databaseConnectionProblem(error: unknown, databaseUrl: () => string): string | undefined {
  const code =
    error instanceof Prisma.PrismaClientKnownRequestError
      ? error.code
      : error instanceof Prisma.PrismaClientInitializationError
        ? error.errorCode
        : undefined;
  const problem = code ? CONNECTION_PROBLEMS[code] : undefined;
  if (!problem) return undefined;
  const text = databaseUrl();
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const where = url ? `host ${url.hostname || '?'}, port ${url.port || '5432'}, database ${url.pathname.slice(1) || '?'}` : 'unparseable';
  return `cannot use the database of DATABASE_URL (${where}): ${problem} [${code}]`;
}
