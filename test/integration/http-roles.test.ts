/**
 * Walks the whole route table (from Fastify's own registrations, so a new route is covered without editing this
 * file) with each role and with none, and checks the README documents exactly that matrix.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/accounts/index.ts';
import { accessMatrix, accessStatus, buildApp } from '../../src/http/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { startTestApi, TEST_HTTP_OPTIONS, type TestApi } from '../support/http.ts';
import { emptyDatabase } from '../support/pipeline.ts';

/** A value each path parameter accepts (a UUID is also a well-formed campaign id). */
const PARAMS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  patientId: 'p1',
  entityType: 'Prompt',
  entityId: '00000000-0000-4000-8000-000000000000',
  '*': 'index.html',
};

function concrete(url: string): string {
  return url.replace(/:(\w+)|\*/g, (match, name: string | undefined) => {
    const value = PARAMS[name ?? match];
    if (!value) throw new Error(`no test value for path parameter ${match} of ${url}: add one to PARAMS`);
    return value;
  });
}

describe('every route is authorised as the README says', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  const tokens = new Map<Role, Record<string, string>>();
  beforeAll(async () => {
    await emptyDatabase(env.db);
    api = await startTestApi(env.fhir.baseUrl);
    for (const role of ROLES) tokens.set(role, await api.token(role));
  });
  afterAll(() => api?.close());

  it('answers 401 without credentials and 403 for a role not declared, and lets declared roles through', async () => {
    const routes = api.app.routeTable;
    expect(routes.length).toBeGreaterThan(20);
    const mismatches: string[] = [];
    for (const route of routes) {
      for (const role of [undefined, ...ROLES]) {
        const reply = await api.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: role ? tokens.get(role) : {},
        });
        const expected = accessStatus(route.roles, role);
        const ok = expected === 'allowed' ? reply.statusCode !== 401 && reply.statusCode !== 403 : reply.statusCode === expected;
        if (!ok) mismatches.push(`${route.method} ${route.url} as ${role ?? 'none'}: ${reply.statusCode}, expected ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('applies the same matrix to a signed-in session (CSRF token sent)', async () => {
    const session = await api.signIn(await api.addUser('clinician'));
    const editor = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/campaigns/some-campaign',
      headers: session.headers,
      payload: { yaml: 'id: x' },
    });
    expect(editor.statusCode).toBe(403);
    expect(editor.json().detail).toBe('the clinician role may not PUT /api/v1/campaigns/:id');
    const queue = await api.app.inject({ method: 'GET', url: '/api/v1/review', headers: session.headers });
    expect(queue.statusCode).toBe(200);
  });

  it('is documented in README.md, generated from the same declarations', async () => {
    const readme = await readFile('README.md', 'utf8');
    const table = accessMatrix(api.app.routeTable);
    expect(readme, `README.md should hold this table:\n${table}`).toContain(table);
  });

  it('refuses to register a route that declares no roles', async () => {
    const fresh = await buildApp(api.services, TEST_HTTP_OPTIONS);
    try {
      expect(() => fresh.get('/api/v1/forgotten', async () => 'open')).toThrow(/GET \/api\/v1\/forgotten declares no roles/);
    } finally {
      await fresh.close();
    }
  });
});
