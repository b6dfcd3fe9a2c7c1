/**
 * Answering a browser: whole pages framed for the signed-in viewer, redirects after a form (so a reload does
 * not post again), and the problems the API layer raises (401, 403, 404, invalid input) as pages rather than
 * problem+json.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken } from '../../accounts/index.ts';
import { actorOf } from '../auth.ts';
import type { HttpOptions } from '../services.ts';
import type { ApiProblem } from './api.ts';
import { type Html, html } from './html.ts';
import { type PageOptions, page } from './layout.ts';

export type PageContent = Omit<PageOptions, 'viewer' | 'csrfToken'>;

export interface Pages {
  /** The page, framed for whoever is signed in (navigation, account, CSRF token). */
  render(request: FastifyRequest, content: PageContent): Html;
  send(request: FastifyRequest, reply: FastifyReply, content: PageContent, status?: number): FastifyReply;
  /** A problem the API answered, as a page with its status (without a session: the sign-in page). */
  problem(request: FastifyRequest, reply: FastifyReply, problem: ApiProblem): FastifyReply;
  /** The CSRF token of the request's session, for the forms a page holds. */
  csrf(request: FastifyRequest): string;
}

export function pages(options: HttpOptions): Pages {
  const csrf = (request: FastifyRequest) => {
    const principal = request.principal;
    return principal?.kind === 'session' ? csrfToken(options.sessionSecret.reveal(), principal.sessionId) : '';
  };
  const render = (request: FastifyRequest, content: PageContent) => {
    const principal = request.principal;
    return page({
      ...content,
      ...(principal ? { viewer: { email: actorOf(principal), role: principal.role }, csrfToken: csrf(request) } : {}),
    });
  };
  const send: Pages['send'] = (request, reply, content, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(render(request, content).text);
  return {
    csrf,
    render,
    send,
    problem: (request, reply, problem) =>
      problem.status === 401 && browsing(request)
        ? redirect(reply, '/console/login')
        : send(request, reply, problemContent(problem), problem.status),
  };
}

/** After a POST: see the result at `location` (303, so the browser GETs it). */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}

/**
 * The onSend hook of the console's routes: a problem the authorisation or validation layers answered with
 * becomes a page with the same status (a person opening a page without a session is sent to sign in instead).
 */
export function problemsAsPages(framing: Pages) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json') || typeof payload !== 'string')
      return payload;
    if (reply.statusCode === 401 && browsing(request)) {
      reply.code(303).header('location', '/console/login').removeHeader('content-type');
      return '';
    }
    reply.type('text/html; charset=utf-8');
    return framing.render(request, problemContent({ ...(JSON.parse(payload) as ApiProblem), status: reply.statusCode })).text;
  };
}

/** A person opening a page (not a script, nor a form posted after the session ended): sent to sign in. */
function browsing(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

function problemContent(problem: ApiProblem): PageContent {
  const title = problem.title === 'forbidden' ? 'Not allowed' : problem.title.charAt(0).toUpperCase() + problem.title.slice(1);
  const next = problem.status === 401 ? html`<a href="/console/login">Sign in</a>` : html`<a href="/console">Back to the console</a>`;
  const body = html`<p>${problem.detail}</p>${
    problem.errors && html`<ul>${problem.errors.map((error) => html`<li>${error.field}: ${error.message}</li>`)}</ul>`
  }<p>${next}</p>`;
  return { title, body };
}
