import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/http/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { PASSWORD, startTestApi, type TestApi } from '../support/http.ts';
import { emptyDatabase } from '../support/pipeline.ts';

describe('signing in, sessions, CSRF and API tokens', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(env.fhir.baseUrl);
  });
  beforeEach(async () => {
    await emptyDatabase(env.db);
    api.clock.now = new Date('2026-12-01T09:00:00Z');
  });
  afterAll(() => api?.close());

  it('signs in with the right password: a Secure, HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
    const email = await api.addUser('care_manager');
    const reply = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
    expect(reply.statusCode).toBe(200);
    const cookie = reply.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(reply.json()).toMatchObject({ actor: email, role: 'care_manager', via: 'session', csrfToken: expect.any(String) });
    // The stored key is not the cookie's value: a copy of the table opens no session.
    const stored = await env.db.session.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id).not.toBe(cookie?.value);
  });

  it('refuses a wrong password and an unknown email with the same 401 problem', async () => {
    const email = await api.addUser('clinician');
    const wrong = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: 'not the password' } });
    const unknown = await api.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'nobody@clinic.test', password: PASSWORD },
    });
    for (const reply of [wrong, unknown]) {
      expect(reply.statusCode).toBe(401);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reply.json()).toEqual({
        type: 'about:blank',
        title: 'sign-in failed',
        status: 401,
        detail: 'the email or the password is wrong',
      });
      expect(reply.cookies).toEqual([]);
    }
  });

  it('locks the account after the configured failures, even against the right password, until the lock ends', async () => {
    const email = await api.addUser('clinician');
    const attempt = (password: string) => api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
    expect((await attempt('wrong-1')).statusCode).toBe(401);
    expect((await attempt('wrong-2')).statusCode).toBe(401);
    const third = await attempt('wrong-3');
    expect(third.statusCode).toBe(423);
    expect(third.json().title).toBe('account locked');
    expect((await attempt(PASSWORD)).statusCode).toBe(423);
    expect(await env.db.auditEvent.count({ where: { action: 'user.locked' } })).toBe(1);
    api.clock.now = new Date(api.clock.now.getTime() + 15 * 60_000 + 1000);
    expect((await attempt(PASSWORD)).statusCode).toBe(200);
  });

  it('ends a session at its expiry (the injected clock), and on sign-out', async () => {
    const { headers } = await api.signIn(await api.addUser('clinician'));
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session', headers })).statusCode).toBe(200);
    api.clock.now = new Date(api.clock.now.getTime() + 60 * 60_000 + 1);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session', headers })).statusCode).toBe(401);

    api.clock.now = new Date('2026-12-01T09:00:00Z');
    const fresh = await api.signIn(await api.addUser('clinician'));
    expect((await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: fresh.headers })).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session', headers: fresh.headers })).statusCode).toBe(401);
  });

  it('rotates the session at sign-in: the session held before is ended', async () => {
    const email = await api.addUser('admin');
    const first = await api.signIn(email);
    const again = await api.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email, password: PASSWORD },
      headers: first.headers,
    });
    expect(again.statusCode).toBe(200);
    expect(again.cookies.find((c) => c.name === SESSION_COOKIE)?.value).not.toBe(first.headers.cookie?.split('=')[1]);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session', headers: first.headers })).statusCode).toBe(401);
  });

  it('refuses a cookie-authenticated unsafe request without the CSRF token, or with another session’s', async () => {
    const mine = await api.signIn(await api.addUser('admin'));
    const theirs = await api.signIn(await api.addUser('admin'));
    const { [CSRF_HEADER]: _omitted, ...cookieOnly } = mine.headers;
    const without = await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: cookieOnly });
    expect(without.statusCode).toBe(403);
    expect(without.json().title).toBe('CSRF token missing or wrong');
    const crossed = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { ...cookieOnly, [CSRF_HEADER]: theirs.csrf },
    });
    expect(crossed.statusCode).toBe(403);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: mine.headers })).statusCode).toBe(204);
  });

  it('accepts an API token without CSRF, records its last use, and refuses it once revoked', async () => {
    const headers = await api.token('clinician', 'reporting');
    const reply = await api.app.inject({ method: 'GET', url: '/api/v1/session', headers });
    expect(reply.json()).toEqual({ actor: 'token:reporting', role: 'clinician', via: 'token' });
    const stored = await env.db.apiToken.findFirstOrThrow({ where: { name: 'reporting' } });
    expect(stored.lastUsedAt).toEqual(api.clock.now);
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    await env.db.apiToken.update({ where: { id: stored.id }, data: { revokedAt: api.clock.now } });
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session', headers })).statusCode).toBe(401);
    expect(
      (await api.app.inject({ method: 'GET', url: '/api/v1/session', headers: { authorization: 'Bearer cpt_made-up' } })).statusCode,
    ).toBe(401);
  });

  it('answers invalid input with a problem naming the field, before touching the database', async () => {
    const reply = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'not-an-email', password: '' } });
    expect(reply.statusCode).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = reply.json();
    expect(problem).toMatchObject({ type: 'about:blank', title: 'invalid request', status: 400 });
    expect(problem.errors.map((error: { field: string }) => error.field)).toEqual(['body.email', 'body.password']);
    expect(problem.detail).toMatch(/^body\.email .+: correct it and send again/);
    expect(JSON.stringify(problem)).not.toContain('not-an-email');
  });

  it('sets security headers and answers unknown routes with a problem', async () => {
    const reply = await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toMatchObject({ status: 404, title: 'not found', detail: 'no route GET /api/v1/nothing-here (see /docs)' });
    const health = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ ok: true });
    expect(health.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
  });

  it('reports readiness by check name: PostgreSQL, Redis and the FHIR server', async () => {
    const reply = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({
      ok: true,
      checks: [
        { name: 'postgresql', ok: true },
        { name: 'redis', ok: true },
        { name: 'fhir', ok: true },
      ],
    });
  });
});
