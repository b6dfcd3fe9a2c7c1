/** Signing in and out of the console (through the API's session routes), and its front door. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { EVERYONE } from '../access.ts';
import type { Api, ApiResult } from './api.ts';
import { field, input } from './components.ts';
import { html } from './html.ts';
import { navFor } from './nav.ts';
import { type Pages, redirect } from './respond.ts';

const LoginForm = z.object({ email: z.string().trim().min(1), password: z.string().min(1) });

export function sessionPages(api: Api, pages: Pages): FastifyPluginAsync {
  const loginPage = (email: string, problem?: string) => ({
    title: 'Sign in',
    ...(problem ? { notice: { kind: 'error' as const, text: problem } } : {}),
    body: html`<form method="post" action="/console/login" class="stack">
${field({ name: 'email', label: 'Email', control: input('email', email, 'autocomplete="username" required') })}
${field({ name: 'password', label: 'Password', control: input('password', '', 'autocomplete="current-password" required') })}
<div><button type="submit">Sign in</button></div>
</form>`,
  });

  return async (app) => {
    app.get('/console', { config: { roles: EVERYONE }, schema: { hide: true } }, async (request, reply) => {
      const first = request.principal && navFor(request.principal.role)[0];
      return redirect(reply, first?.href ?? '/console/login');
    });

    app.get('/console/login', { config: { roles: 'public' }, schema: { hide: true } }, async (request, reply) =>
      request.principal ? redirect(reply, '/console') : pages.send(request, reply, loginPage('')),
    );

    // The API's sign-in decides (rate limit, lockout, rotation); this page passes the form on and its cookie back.
    app.post('/console/login', { config: { roles: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const form = LoginForm.safeParse(request.body);
      if (!form.success) return pages.send(request, reply, loginPage('', 'Enter your email and password.'), 400);
      const result = await api.call(request, 'POST', '/api/v1/session', z.unknown(), form.data);
      if (!result.ok) return pages.send(request, reply, loginPage(form.data.email, result.problem.detail), result.problem.status);
      return redirect(passCookie(reply, result), '/console');
    });

    app.post('/console/logout', { config: { roles: EVERYONE }, schema: { hide: true } }, async (request, reply) => {
      const result = await api.call(request, 'DELETE', '/api/v1/session', z.null());
      return redirect(passCookie(reply, result), '/console/login');
    });
  };
}

function passCookie(reply: FastifyReply, result: ApiResult<unknown>): FastifyReply {
  return result.ok && result.setCookie ? reply.header('set-cookie', result.setCookie) : reply;
}
