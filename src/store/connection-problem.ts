/**
 * A database that cannot be used, told in one line an operator can act on: the variable, host, port and database
 * (never the user or password), the fix and Prisma's code, instead of Prisma's message with its code frame and
 * source path.
 */
import { Prisma } from '../generated/prisma/client.ts';

const MIGRATE = 'run `npx prisma migrate deploy` with this DATABASE_URL';

/** Prisma's error codes that mean the database cannot be used at all, and what each means here. */
const DATABASE_PROBLEMS: Record<string, string> = {
  P1000: 'the user name or password was refused',
  P1001: 'no database server answers there',
  P1002: 'the connection timed out',
  // An installed package has no scripts/: the fix must work without a checkout.
  P1003: `the database does not exist there: create it, then ${MIGRATE} (from a checkout, scripts/setup.sh does both)`,
  P1010: 'the user may not use that database',
  P1017: 'the server closed the connection',
  // A table careprompt reads is missing: the database was created but never migrated.
  P2021: `it has no careprompt tables: ${MIGRATE}`,
};

/**
 * One line naming DATABASE_URL's host, port and database when `error` means the database cannot be used;
 * undefined otherwise. The URL is asked for only then: a command that failed otherwise may have no DATABASE_URL.
 */
export function databaseConnectionProblem(error: unknown, databaseUrl: () => string): string | undefined {
  const code =
    error instanceof Prisma.PrismaClientKnownRequestError
      ? error.code
      : error instanceof Prisma.PrismaClientInitializationError
        ? error.errorCode
        : undefined;
  const problem = code ? DATABASE_PROBLEMS[code] : undefined;
  if (!problem) return undefined;
  const text = databaseUrl();
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const where = url ? `host ${url.hostname || '?'}, port ${url.port || '5432'}, database ${url.pathname.slice(1) || '?'}` : 'unparseable';
  return `cannot use the database of DATABASE_URL (${where}): ${problem} [${code}]`;
}
