/** Signing in and out of the console: sessions in a Secure, HttpOnly, SameSite=Strict cookie. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csrfToken, newSessionId, Role, sessionKey, spendVerifyTime, verifyPassword } from '../../accounts/index.ts';
import { endSession, findLogin, recordLoginFailure, startSession } from '../../store/index.ts';
import { EVERYONE } from '../access.ts';
import { actorOf, SESSION_COOKIE } from '../auth.ts';
import { HttpProblem, Problem } from '../problem.ts';
import type { HttpOptions, HttpServices } from '../services.ts';

const Login = z.object({ email: z.email().max(254), password: z.string().min(1).max(1024) });
const SessionView = z
  .object({
    actor: z.string().describe('How audit events name you'),
    role: Role,
    via: z.enum(['session', 'token']),
    csrfToken: z.string().optional().describe('Send as x-csrf-token with every POST, PUT, PATCH and DELETE (sessions only)'),
    expiresAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Session' });

const WRONG = 'the email or the password is wrong';

export function sessionRoutes(services: HttpServices, options: HttpOptions): FastifyPluginAsyncZod {
  const secret = () => options.sessionSecret.reveal();
  const cookie = (expires: Date) => ({ path: '/', httpOnly: true, secure: true, sameSite: 'strict' as const, expires });

  return async (app) => {
    app.post(
      '/api/v1/session',
      {
        config: { roles: 'public', rateLimit: { max: options.loginRateLimit ?? 10, timeWindow: 60_000 } },
        schema: {
          summary: 'Sign in',
          description: `Rate-limited per client address; ${options.loginMaxFailures} wrong passwords in a row lock the account.`,
          tags: ['session'],
          body: Login,
          response: { 200: SessionView, 401: Problem, 423: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        const now = services.clock();
        const email = request.body.email.toLowerCase();
        const user = await findLogin(services.db, email);
        if (!user) {
          await spendVerifyTime(request.body.password);
          throw new HttpProblem(401, 'sign-in failed', WRONG);
        }
        if (user.lockedUntil && user.lockedUntil > now) {
          throw new HttpProblem(423, 'account locked', 'too many failed sign-ins: try again later, or ask an admin');
        }
        if (!(await verifyPassword(user.passwordHash, request.body.password))) {
          const { locked } = await recordLoginFailure(
            services.db,
            user.id,
            options.loginMaxFailures,
            new Date(now.getTime() + options.loginLockMs),
          );
          if (locked) throw new HttpProblem(423, 'account locked', 'too many failed sign-ins: try again later, or ask an admin');
          throw new HttpProblem(401, 'sign-in failed', WRONG);
        }
        const sessionId = newSessionId();
        const expiresAt = new Date(now.getTime() + options.sessionTtlMs);
        const previous = request.cookies[SESSION_COOKIE];
        await startSession(
          services.db,
          { key: sessionKey(secret(), sessionId), userId: user.id, now, expiresAt },
          previous ? sessionKey(secret(), previous) : undefined,
        );
        reply.setCookie(SESSION_COOKIE, sessionId, cookie(expiresAt));
        return {
          actor: user.email,
          role: user.role,
          via: 'session' as const,
          csrfToken: csrfToken(secret(), sessionId),
          expiresAt: expiresAt.toISOString(),
        };
      },
    );

    app.get(
      '/api/v1/session',
      { config: { roles: EVERYONE }, schema: { summary: 'Who you are signed in as', tags: ['session'], response: { 200: SessionView } } },
      async (request) => {
        const principal = request.principal;
        if (!principal) throw new HttpProblem(401, 'sign-in required', 'sign in first');
        return principal.kind === 'session'
          ? {
              actor: actorOf(principal),
              role: principal.role,
              via: 'session' as const,
              csrfToken: csrfToken(secret(), principal.sessionId),
            }
          : { actor: actorOf(principal), role: principal.role, via: 'token' as const };
      },
    );

    app.delete(
      '/api/v1/session',
      { config: { roles: EVERYONE }, schema: { summary: 'Sign out', tags: ['session'], response: { 204: z.null() } } },
      async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind === 'session') await endSession(services.db, sessionKey(secret(), principal.sessionId));
        reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
        return reply.code(204).send(null);
      },
    );
  };
}
