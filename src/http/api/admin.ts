/** For admins: users, API tokens (shown once, stored hashed) and the audit log, filterable and as CSV. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashPassword, MIN_PASSWORD_LENGTH, newApiToken, Role } from '../../accounts/index.ts';
import {
  type ApiTokenInfo,
  AUDIT_ENTITIES,
  type AuditEvent,
  type AuditFilter,
  createApiToken,
  createUser,
  DuplicateEmailError,
  listApiTokens,
  listUsers,
  revokeApiToken,
  searchAudit,
  type User,
} from '../../store/index.ts';
import { ADMINS } from '../access.ts';
import { actorOf, principalOf } from '../auth.ts';
import { HttpProblem, Problem } from '../problem.ts';
import type { HttpServices } from '../services.ts';
import { AuditEventView, auditEventView, Instant } from './schemas.ts';

export const UserView = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: Role,
    lockedUntil: Instant.nullable(),
    lastLoginAt: Instant.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'User' });
const NewUser = z.object({ email: z.email().max(254), role: Role, password: z.string().min(MIN_PASSWORD_LENGTH).max(1024) });
export const TokenView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: Role,
    createdBy: z.string(),
    createdAt: Instant,
    lastUsedAt: Instant.nullable(),
    revokedAt: Instant.nullable(),
  })
  .meta({ id: 'ApiToken' });
const NewToken = z.object({
  name: z.string().regex(/^[A-Za-z0-9 ._-]{1,64}$/, 'must be 1–64 letters, digits, spaces, dots, dashes or underscores'),
  role: Role,
});
const AuditQuery = z.object({
  entityType: z.enum(AUDIT_ENTITIES).optional(),
  action: z.string().max(64).optional(),
  actor: z.string().max(254).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
});
const EntityParams = z.object({ entityType: z.enum(AUDIT_ENTITIES), entityId: z.string().min(1).max(200) });

const iso = (date: Date | null) => date?.toISOString() ?? null;
const userView = (user: User) => ({
  ...user,
  lockedUntil: iso(user.lockedUntil),
  lastLoginAt: iso(user.lastLoginAt),
  createdAt: user.createdAt.toISOString(),
});
const tokenView = (token: ApiTokenInfo) => ({
  ...token,
  createdAt: token.createdAt.toISOString(),
  lastUsedAt: iso(token.lastUsedAt),
  revokedAt: iso(token.revokedAt),
});

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; a leading =+-@ is neutralised for spreadsheets. */
function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(events: readonly AuditEvent[]): string {
  const rows = events.map((e) => [e.at.toISOString(), e.actor, e.action, e.entityType, e.entityId, JSON.stringify(e.details)]);
  return [['at', 'actor', 'action', 'entity_type', 'entity_id', 'details'], ...rows]
    .map((row) => row.map(csvField).join(','))
    .join('\r\n')
    .concat('\r\n');
}

export function adminRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { db } = services;
  const filterOf = ({ from, to, ...query }: Partial<z.infer<typeof AuditQuery>> & { limit: number }): AuditFilter => ({
    ...query,
    ...(from ? { from: new Date(from) } : {}),
    ...(to ? { to: new Date(to) } : {}),
  });

  return async (app) => {
    app.get(
      '/api/v1/users',
      {
        config: { roles: ADMINS },
        schema: { summary: 'Users', tags: ['admin'], response: { 200: z.object({ users: z.array(UserView) }) } },
      },
      async () => ({
        users: (await listUsers(db)).map(userView),
      }),
    );

    app.post(
      '/api/v1/users',
      {
        config: { roles: ADMINS },
        schema: { summary: 'Add a user', tags: ['admin'], body: NewUser, response: { 201: UserView, 409: Problem } },
      },
      async (request, reply) => {
        const { email, role, password } = request.body;
        try {
          const user = await createUser(
            db,
            { email: email.toLowerCase(), role, passwordHash: await hashPassword(password) },
            actorOf(principalOf(request)),
          );
          return reply.code(201).send(userView(user));
        } catch (error) {
          if (error instanceof DuplicateEmailError)
            throw new HttpProblem(409, 'conflict', `${error.message}: choose another email`, [
              { field: 'body.email', message: 'is taken' },
            ]);
          throw error;
        }
      },
    );

    app.get(
      '/api/v1/tokens',
      {
        config: { roles: ADMINS },
        schema: {
          summary: 'API tokens (never their values)',
          tags: ['admin'],
          response: { 200: z.object({ tokens: z.array(TokenView) }) },
        },
      },
      async () => ({
        tokens: (await listApiTokens(db)).map(tokenView),
      }),
    );

    app.post(
      '/api/v1/tokens',
      {
        config: { roles: ADMINS },
        schema: {
          summary: 'Create an API token: its value is in this answer only',
          tags: ['admin'],
          body: NewToken,
          response: { 201: TokenView.extend({ token: z.string() }) },
        },
      },
      async (request, reply) => {
        const { token, hash } = newApiToken();
        const created = await createApiToken(db, { ...request.body, tokenHash: hash }, actorOf(principalOf(request)));
        return reply.code(201).send({ ...tokenView(created), token });
      },
    );

    app.delete(
      '/api/v1/tokens/:id',
      {
        config: { roles: ADMINS },
        schema: {
          summary: 'Revoke an API token',
          tags: ['admin'],
          params: z.object({ id: z.uuid() }),
          response: { 204: z.null(), 404: Problem },
        },
      },
      async (request, reply) => {
        if (!(await revokeApiToken(db, request.params.id, actorOf(principalOf(request)), services.clock()))) {
          throw new HttpProblem(404, 'not found', `no active token ${request.params.id}`);
        }
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/audit',
      {
        config: { roles: ADMINS },
        schema: {
          summary: 'The audit log, newest first',
          tags: ['admin'],
          querystring: AuditQuery,
          response: { 200: z.object({ events: z.array(AuditEventView) }) },
        },
      },
      async (request) => ({ events: (await searchAudit(db, filterOf(request.query))).map(auditEventView) }),
    );

    app.get(
      '/api/v1/audit/:entityType/:entityId',
      {
        config: { roles: ADMINS },
        schema: {
          summary: 'The audit log of one campaign, prompt, patient, user or token (the id in the path, never in a query)',
          tags: ['admin'],
          params: EntityParams,
          querystring: AuditQuery.omit({ entityType: true }),
          response: { 200: z.object({ events: z.array(AuditEventView) }) },
        },
      },
      async (request) => ({ events: (await searchAudit(db, { ...filterOf(request.query), ...request.params })).map(auditEventView) }),
    );

    app.get(
      '/api/v1/audit.csv',
      {
        config: { roles: ADMINS },
        schema: { summary: 'The audit log as CSV', tags: ['admin'], querystring: AuditQuery, produces: ['text/csv'] },
      },
      async (request, reply) => {
        const events = await searchAudit(db, filterOf(request.query));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="careprompt-audit.csv"')
          .send(auditCsv(events));
      },
    );
  };
}
