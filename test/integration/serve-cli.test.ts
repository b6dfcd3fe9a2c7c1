/**
 * The command line of the HTTP side, run as an operator runs it: users and tokens (the password piped, never
 * echoed), and `serve` started, answering, and stopped by SIGTERM.
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/accounts/index.ts';
import { CAREPROMPT_FROM_SOURCE, type CliResult, careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { emptyDatabase, TEST_DATABASE_URL } from '../support/pipeline.ts';

const PASSWORD = 'a long enough passphrase';

/** careprompt with text on its stdin. */
function withStdin(args: string[], input: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CAREPROMPT_FROM_SOURCE, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('careprompt users, tokens and serve', () => {
  const env = useTestEnvironment();
  let base: Record<string, string>;
  beforeAll(async () => {
    await emptyDatabase(env.db);
    base = { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: 'info' };
  });

  it('adds a user with the password from stdin, stored as an argon2id hash and never printed', async () => {
    const added = await withStdin(['users', 'add', 'Ana@Clinic.test', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`, base);
    expect(added).toMatchObject({ code: 0, stdout: 'created admin ana@clinic.test\n' });
    expect(added.stdout + added.stderr).not.toContain(PASSWORD);
    const user = await env.db.user.findUniqueOrThrow({ where: { email: 'ana@clinic.test' } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash, PASSWORD)).toBe(true);
    expect(await env.db.auditEvent.count({ where: { action: 'user.created', entityId: user.id } })).toBe(1);

    const again = await withStdin(['users', 'add', 'ana@clinic.test', '--role', 'admin', '--password-stdin'], PASSWORD, base);
    expect(again).toMatchObject({ code: 2, stderr: 'careprompt: ana@clinic.test: a user with this email exists already\n' });
    const short = await withStdin(['users', 'add', 'ben@clinic.test', '--role', 'clinician', '--password-stdin'], 'short', base);
    expect(short).toMatchObject({ code: 2, stderr: 'careprompt: the password must be at least 12 characters long\n' });
    const role = await withStdin(['users', 'add', 'ben@clinic.test', '--role', 'doctor', '--password-stdin'], PASSWORD, base);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of admin, care_manager, clinician');
  });

  it('creates a token printed once on stdout and stored as its sha256, lists it, and revokes it', async () => {
    const created = await careprompt(['tokens', 'create', 'prometheus', '--role', 'admin'], base);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);
    const stored = await env.db.apiToken.findFirstOrThrow({ where: { name: 'prometheus' } });
    expect(stored.tokenHash).not.toContain(token);
    const listed = await careprompt(['tokens', 'list'], base);
    expect(listed.stdout).toContain(stored.id);
    expect(listed.stdout).not.toContain(token);
    expect(await careprompt(['tokens', 'revoke', stored.id], base)).toMatchObject({ code: 0, stdout: `revoked ${stored.id}\n` });
    expect((await careprompt(['tokens', 'revoke', stored.id], base)).code).toBe(1);
  });

  describe('serve', () => {
    let serveEnv: Record<string, string>;
    beforeAll(() => {
      serveEnv = {
        ...base,
        FHIR_BASE_URL: env.fhir.baseUrl,
        SENDER_REFERENCE: 'Organization/test-clinic',
        ORG_NAME: 'Test Clinic',
        ORG_REPLY_TIME: '2 business days',
        HTTP_PORT: '0',
        SESSION_SECRET: 'a-session-secret-of-at-least-32-bytes!',
      };
    });

    it('refuses to start without SESSION_SECRET, naming it (exit 2)', async () => {
      const { SESSION_SECRET: _unset, ...withoutSecret } = serveEnv;
      const result = await careprompt(['serve'], withoutSecret);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('SESSION_SECRET is not set');
      const short = await careprompt(['serve'], { ...serveEnv, SESSION_SECRET: 'too-short' });
      expect(short.stderr).toContain('SESSION_SECRET must be at least 32 bytes');
      expect(short.stderr).not.toContain('too-short');
    });

    it('listens, answers /healthz, and stops cleanly on SIGTERM', async () => {
      const child = spawn(process.execPath, [...CAREPROMPT_FROM_SOURCE, 'serve'], { env: { PATH: process.env.PATH ?? '', ...serveEnv } });
      let stderr = '';
      const address = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          const found = /"address":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
          if (found) resolve(found);
        });
        child.on('close', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const health = await fetch(`${address}/healthz`);
      expect(await health.json()).toEqual({ ok: true });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});
