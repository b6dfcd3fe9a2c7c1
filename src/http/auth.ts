/**
 * Who is asking, and may they: every request is authenticated by an API token (`Authorization: Bearer …`) or a
 * session cookie, then checked against its route's declared roles (src/http/access.ts): no credentials 401, the
 * wrong role 403. Cookie-authenticated unsafe requests must also carry the session's CSRF token (a synchroniser
 * token derived from the session) in `x-csrf-token`, or a console form in its `_csrf` field; token requests are
 * exempt, as no browser attaches a bearer token on its own.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { csrfToken, hashApiToken, type Role, sameSecret, sessionKey } from '../accounts/index.ts';
import { type ApiTokenInfo, findSessionUser, type User, useApiToken } from '../store/index.ts';
import { type Access, accessStatus, type DeclaredRoute } from './access.ts';
import { sendProblem } from './problem.ts';
import type { HttpOptions, HttpServices } from './services.ts';

export const SESSION_COOKIE = 'careprompt_session';
export const CSRF_HEADER = 'x-csrf-token';
/** The hidden field of console forms that carries the token (a form cannot set a header). */
export const CSRF_FIELD = '_csrf';

export type Principal = { kind: 'session'; user: User; role: Role; sessionId: string } | { kind: 'token'; token: ApiTokenInfo; role: Role };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Every route registered, with its declared roles: the role matrix and its test walk this. */
    readonly routeTable: readonly DeclaredRoute[];
  }
}

/** How audit events name who acted: the user's email, or `token:<name>`. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'session' ? principal.user.email : `token:${principal.token.name}`;
}

/** The principal of a route that needs a role: the auth hook has answered 401 already when there is none. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`${request.routeOptions.url} ran without a principal: does it declare roles?`);
  return request.principal;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes others' plugins register (the API docs) that cannot carry a declaration: public, as they hold no data. */
const PUBLIC_PREFIXES = ['/docs'];

async function authPlugin(app: FastifyInstance, { services, options }: { services: HttpServices; options: HttpOptions }) {
  const routeTable: DeclaredRoute[] = [];
  app.decorate('routeTable', routeTable);
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles ?? (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix)) ? 'public' : undefined);
    if (!roles) throw new Error(`route ${route.method} ${route.url} declares no roles: add config: { roles: [...] } (src/http/access.ts)`);
    route.config = { ...route.config, roles };
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, roles });
  });

  const secret = () => options.sessionSecret.reveal();

  async function identify(request: FastifyRequest): Promise<Principal | undefined> {
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      const token = await useApiToken(services.db, hashApiToken(bearer), services.clock());
      return token ? { kind: 'token', token, role: token.role } : undefined;
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId) return undefined;
    const user = await findSessionUser(services.db, sessionKey(secret(), sessionId), services.clock());
    return user ? { kind: 'session', user, role: user.role, sessionId } : undefined;
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const roles: Access | undefined = request.routeOptions.config?.roles;
    // An unknown URL has no route: the not-found handler answers without looking at credentials.
    if (!roles) return;
    request.principal = await identify(request);
    const status = accessStatus(roles, request.principal?.role);
    if (status === 401) {
      return sendProblem(reply, {
        status,
        title: 'sign-in required',
        detail: 'sign in (POST /api/v1/session) or send an API token as Authorization: Bearer <token>',
      });
    }
    if (status === 403) {
      return sendProblem(reply, {
        status,
        title: 'forbidden',
        detail: `the ${request.principal?.role} role may not ${request.method} ${request.routeOptions.url}`,
      });
    }
  });

  // After the body is parsed (a console form carries the token as its _csrf field) and before it is validated.
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal;
    if (principal?.kind === 'session' && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER] ?? formField(request.body, CSRF_FIELD);
      if (typeof given !== 'string' || !sameSecret(given, csrfToken(secret(), principal.sessionId))) {
        return sendProblem(reply, {
          status: 403,
          title: 'CSRF token missing or wrong',
          detail: `send the session's csrfToken (GET /api/v1/session) in the ${CSRF_HEADER} header`,
        });
      }
    }
  });
}

function formField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export const auth = fp(authPlugin, { name: 'careprompt-auth', fastify: '5.x', dependencies: ['@fastify/cookie'] });
