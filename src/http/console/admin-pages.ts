/** For admins: users, API tokens (a new token's value shown once, on the page that made it) and the audit log. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROLES } from '../../accounts/index.ts';
import { AUDIT_ENTITIES } from '../../store/index.ts';
import { ADMINS } from '../access.ts';
import { TokenView, UserView } from '../api/admin.ts';
import { AuditEventView } from '../api/schemas.ts';
import type { Api, ApiProblem } from './api.ts';
import { field, input, select, status, table, when } from './components.ts';
import { dayStart } from './form.ts';
import { type Html, html } from './html.ts';
import { csrfField, type Notice } from './layout.ts';
import { type Pages, redirect } from './respond.ts';

const Users = z.object({ users: z.array(UserView) });
const Tokens = z.object({ tokens: z.array(TokenView) });
const Events = z.object({ events: z.array(AuditEventView) });
const roleOptions = ROLES.map((role) => ({ value: role, label: role.replace('_', ' ') }));
const errorsOf = (problem: ApiProblem | undefined, name: string) =>
  (problem?.errors ?? []).filter((error) => error.field.endsWith(name)).map((error) => error.message);

/** The audit filters as typed (empty: any); dates are whole days (UTC). */
const AuditFilter = z.object({
  entityType: z.enum(['', ...AUDIT_ENTITIES]).default(''),
  action: z.string().trim().default(''),
  actor: z.string().trim().default(''),
  from: z.string().default(''),
  to: z.string().default(''),
});
type AuditFilter = z.infer<typeof AuditFilter>;

export function adminPages(api: Api, pages: Pages): FastifyPluginAsync {
  const route = { config: { roles: ADMINS }, schema: { hide: true } };

  async function usersPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { email: string; role: string },
    outcome?: { notice: Notice; problem?: ApiProblem },
  ) {
    const users = await api.call(request, 'GET', '/api/v1/users', Users);
    if (!users.ok) return pages.problem(request, reply, users.problem);
    const problem = outcome?.problem;
    const body = html`${table(
      'Users',
      [
        { header: 'Email', cell: (u) => u.email },
        { header: 'Role', cell: (u) => status(u.role) },
        { header: 'Last sign-in', cell: (u) => when(u.lastLoginAt ? new Date(u.lastLoginAt) : null) },
        { header: 'Locked until', cell: (u) => when(u.lockedUntil ? new Date(u.lockedUntil) : null) },
      ],
      users.value.users,
    )}
<h2>Add a user</h2>
<form method="post" action="/console/admin/users" class="stack">
${csrfField(pages.csrf(request))}
${field({ name: 'email', label: 'Email', control: input('email', form.email, 'required autocomplete="off"'), errors: errorsOf(problem, 'email') })}
${field({ name: 'role', label: 'Role', control: select(roleOptions, form.role) })}
${field({ name: 'password', label: 'Initial password', control: input('password', '', 'required autocomplete="new-password"'), hint: 'At least 12 characters; tell it to the person apart from their email.', errors: errorsOf(problem, 'password') })}
<div><button type="submit">Add user</button></div>
</form>`;
    return pages.send(
      request,
      reply,
      { title: 'Users', section: 'users', body, ...(outcome ? { notice: outcome.notice } : {}) },
      problem?.status ?? 200,
    );
  }

  async function tokensPage(
    request: FastifyRequest,
    reply: FastifyReply,
    outcome?: { notice: Notice; created?: string; problem?: ApiProblem },
  ) {
    const tokens = await api.call(request, 'GET', '/api/v1/tokens', Tokens);
    if (!tokens.ok) return pages.problem(request, reply, tokens.problem);
    const csrf = pages.csrf(request);
    const body = html`${
      outcome?.created &&
      html`<div class="card"><p><strong>Copy this token now: it is not shown again.</strong></p><p><label for="new-token">New token</label><input id="new-token" type="text" readonly value="${outcome.created}"></p></div>`
    }
${table(
  'API tokens',
  [
    { header: 'Name', cell: (t) => t.name },
    { header: 'Role', cell: (t) => status(t.role) },
    { header: 'Created', cell: (t) => html`${when(new Date(t.createdAt))} by ${t.createdBy}` },
    { header: 'Last used', cell: (t) => when(t.lastUsedAt ? new Date(t.lastUsedAt) : null) },
    {
      header: 'State',
      cell: (t) =>
        t.revokedAt
          ? html`revoked ${when(new Date(t.revokedAt))}`
          : html`<form method="post" action="/console/admin/tokens/${t.id}/revoke">${csrfField(csrf)}<button type="submit" class="danger" aria-label="Revoke ${t.name}">Revoke</button></form>`,
    },
  ],
  tokens.value.tokens,
)}
<h2>Create a token</h2>
<form method="post" action="/console/admin/tokens" class="stack">
${csrfField(csrf)}
${field({ name: 'name', label: 'Name', control: input('text', '', 'required'), hint: 'Who or what uses it, e.g. reporting-job.', errors: errorsOf(outcome?.problem, 'name') })}
${field({ name: 'role', label: 'Role', control: select(roleOptions, 'clinician') })}
<div><button type="submit">Create token</button></div>
</form>`;
    // A new token's value is on this page only: never stored by a cache.
    return pages.send(
      request,
      reply,
      { title: 'API tokens', section: 'tokens', body, ...(outcome ? { notice: outcome.notice } : {}) },
      outcome?.problem?.status ?? 200,
    );
  }

  async function auditPage(request: FastifyRequest, reply: FastifyReply, filter: AuditFilter) {
    const query = auditQuery(filter);
    const events = await api.call(request, 'GET', `/api/v1/audit?${query}`, Events);
    const problem = events.ok ? undefined : events.problem;
    const body = html`<form method="get" action="/console/admin/audit" class="filters" role="search" aria-label="Filter the audit log">
${field({ name: 'entityType', label: 'About', control: select([{ value: '', label: 'Anything' }, ...AUDIT_ENTITIES.map((e) => ({ value: e, label: e }))], filter.entityType) })}
${field({ name: 'action', label: 'Action', control: input('text', filter.action, 'placeholder="prompt.sent"'), errors: errorsOf(problem, 'action') })}
${field({ name: 'actor', label: 'Who', control: input('text', filter.actor), errors: errorsOf(problem, 'actor') })}
${field({ name: 'from', label: 'From', control: input('date', filter.from), errors: errorsOf(problem, 'from') })}
${field({ name: 'to', label: 'Until', control: input('date', filter.to), errors: errorsOf(problem, 'to') })}
<div><button type="submit">Filter</button></div>
</form>
<p><a class="button secondary" href="/api/v1/audit.csv?${query}" download>Export as CSV</a></p>
${problem ? html`<p class="notice error">${problem.detail}</p>` : events.ok && auditTable(events.value.events)}`;
    return pages.send(request, reply, { title: 'Audit log', section: 'audit', body }, problem?.status ?? 200);
  }

  return async (app) => {
    app.get('/console/admin/users', route, (request, reply) => usersPage(request, reply, { email: '', role: 'clinician' }));
    app.post('/console/admin/users', route, async (request, reply) => {
      const form = request.body as Record<string, string>;
      const created = await api.call(request, 'POST', '/api/v1/users', UserView, {
        email: form.email,
        role: form.role,
        password: form.password,
      });
      if (created.ok)
        return usersPage(
          request,
          reply,
          { email: '', role: 'clinician' },
          { notice: { kind: 'ok', text: `Added ${created.value.email}.` } },
        );
      return usersPage(
        request,
        reply,
        { email: form.email ?? '', role: form.role ?? 'clinician' },
        { notice: { kind: 'error', text: created.problem.detail }, problem: created.problem },
      );
    });

    app.get('/console/admin/tokens', route, (request, reply) => tokensPage(request, reply));
    app.post('/console/admin/tokens', route, async (request, reply) => {
      const form = request.body as Record<string, string>;
      const created = await api.call(request, 'POST', '/api/v1/tokens', TokenView.extend({ token: z.string() }), {
        name: form.name,
        role: form.role,
      });
      if (!created.ok)
        return tokensPage(request, reply, { notice: { kind: 'error', text: created.problem.detail }, problem: created.problem });
      return tokensPage(request, reply, {
        notice: { kind: 'ok', text: `Token ${created.value.name} created.` },
        created: created.value.token,
      });
    });
    app.post(
      '/console/admin/tokens/:id/revoke',
      { ...route, schema: { hide: true, params: z.object({ id: z.uuid() }) } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const revoked = await api.call(request, 'DELETE', `/api/v1/tokens/${id}`, z.null());
        if (!revoked.ok) return pages.problem(request, reply, revoked.problem);
        return redirect(reply, '/console/admin/tokens');
      },
    );

    app.get('/console/admin/audit', { ...route, schema: { hide: true, querystring: AuditFilter } }, (request, reply) =>
      auditPage(request, reply, request.query as AuditFilter),
    );
  };
}

/** The API's audit query: only the filters given; "until" a day includes that day. */
function auditQuery(filter: AuditFilter): string {
  const params = new URLSearchParams();
  if (filter.entityType) params.set('entityType', filter.entityType);
  if (filter.action) params.set('action', filter.action);
  if (filter.actor) params.set('actor', filter.actor);
  if (filter.from) params.set('from', dayStart(filter.from));
  if (filter.to) params.set('to', dayStart(filter.to, 1));
  return params.toString();
}

function auditTable(events: ReadonlyArray<z.infer<typeof AuditEventView>>): Html {
  return table(
    'Audit events, newest first',
    [
      { header: 'When', cell: (e) => when(new Date(e.at)) },
      { header: 'Who', cell: (e) => e.actor },
      { header: 'Action', cell: (e) => e.action },
      {
        header: 'About',
        cell: (e) =>
          e.entityType === 'Prompt'
            ? html`<a href="/console/prompts/${e.entityId}">Prompt ${e.entityId.slice(0, 8)}</a>`
            : `${e.entityType} ${e.entityId}`,
      },
    ],
    events,
  );
}
