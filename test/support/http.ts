import { randomUUID } from 'node:crypto';
/**
 * The HTTP API over real parts for `app.inject()` tests: the test database, Redis, the FHIR test server, and a
 * clock the test moves. Accounts are made through the store as `careprompt users add` makes them.
 */
import { hashPassword, newApiToken, type Role } from '../../src/accounts/index.ts';
import { openServeServices, type ServeServices } from '../../src/app/index.ts';
import { Secret } from '../../src/config/index.ts';
import { buildApp, CSRF_HEADER, type HttpOptions, SESSION_COOKIE } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { createApiToken, createUser } from '../../src/store/index.ts';
import { testConfig } from './pipeline.ts';

export const PASSWORD = 'correct horse battery staple';

export interface TestApi {
  app: Awaited<ReturnType<typeof buildApp>>;
  services: ServeServices;
  /** The API's clock: set `now` to move it. */
  clock: { now: Date };
  addUser(role: Role, email?: string): Promise<string>;
  signIn(email: string, password?: string): Promise<Credentials>;
  /** An API token with this role: `authorization` headers. */
  token(role: Role, name?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** A signed-in browser: its cookie, and its CSRF token for unsafe requests. */
export interface Credentials {
  headers: Record<string, string>;
  csrf: string;
}

export const TEST_HTTP_OPTIONS: HttpOptions = {
  sessionSecret: new Secret('test-session-secret-of-at-least-32-bytes'),
  sessionTtlMs: 60 * 60_000,
  loginMaxFailures: 3,
  loginLockMs: 15 * 60_000,
  loginRateLimit: 1000,
};

export async function startTestApi(fhirBaseUrl: string, options: Partial<HttpOptions> = {}): Promise<TestApi> {
  const clock = { now: new Date() };
  const opened = await openServeServices(testConfig(fhirBaseUrl), silentLogger);
  const services: ServeServices = { ...opened, clock: () => clock.now };
  const app = await buildApp(services, { ...TEST_HTTP_OPTIONS, ...options });
  const unique = () => randomUUID().slice(0, 8);
  const api: TestApi = {
    app,
    services,
    clock,
    async addUser(role, email = `${role}-${unique()}@clinic.test`) {
      await createUser(services.db, { email, role, passwordHash: await hashPassword(PASSWORD) }, 'test');
      return email;
    },
    async signIn(email, password = PASSWORD) {
      const reply = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
      if (reply.statusCode !== 200) throw new Error(`sign-in of ${email} failed: ${reply.statusCode} ${reply.body}`);
      const cookie = reply.cookies.find((c) => c.name === SESSION_COOKIE);
      const csrf = reply.json<{ csrfToken: string }>().csrfToken;
      return { headers: { cookie: `${SESSION_COOKIE}=${cookie?.value}`, [CSRF_HEADER]: csrf }, csrf };
    },
    async token(role, name = `${role}-robot-${unique()}`) {
      const { token, hash } = newApiToken();
      await createApiToken(services.db, { name, role, tokenHash: hash }, 'test');
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      await app.close();
      await opened.close();
    },
  };
  return api;
}
