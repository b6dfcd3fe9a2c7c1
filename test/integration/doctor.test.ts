import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../src/doctor/index.ts';
import { createRuntime } from '../../src/queue/index.ts';
import { capabilityStatement } from '../../tools/fhir-server/capability.ts';
import { type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';
import { CAREPROMPT_FROM_SOURCE, careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { applyExampleCampaigns, TEST_DATABASE_URL } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

/**
 * A FHIR server on loopback whose CapabilityStatement is the project server's without conditional create on
 * Communication; it answers the search doctor makes with credentials with an empty searchset.
 */
async function serverWithoutConditionalCreate(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const statement = capabilityStatement();
  for (const resource of statement.rest?.[0]?.resource ?? []) {
    if (resource.type === 'Communication') delete resource.conditionalCreate;
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = path === '/metadata' ? statement : path === '/Patient' ? { resourceType: 'Bundle', type: 'searchset' } : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closed(server) };
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closed(server);
  return port;
}

/** A log line as an object; one that is not JSON is kept as `{ notJson }` so the test can say so. */
function parsedLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { notJson: line };
  }
}

const checksDone = (lines: Array<Record<string, unknown>>) =>
  lines.some((line) => String(line.msg).startsWith('doctor: server checks done'));

interface WorkerRun {
  lines: Array<Record<string, unknown>>;
  stderr: string;
  code: number | null;
}

/**
 * `careprompt worker` with `env` until it exits or `stopWhen` holds for its log lines (then SIGTERM); its queues
 * are emptied afterwards.
 */
async function runWorker(env: Record<string, string>, stopWhen: (lines: Array<Record<string, unknown>>) => boolean): Promise<WorkerRun> {
  const prefix = `test-${randomUUID()}`;
  const worker = spawn(process.execPath, [...CAREPROMPT_FROM_SOURCE, 'worker'], {
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info', QUEUE_PREFIX: prefix },
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  worker.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) lines.push(parsedLogLine(line));
    // Once: a second signal would find no handler and kill it outright.
    if (worker.signalCode === null && !worker.killed && stopWhen(lines)) worker.kill('SIGTERM');
  });
  try {
    const code = await new Promise<number | null>((resolve) => worker.once('exit', resolve));
    return { lines, stderr, code };
  } finally {
    const runtime = createRuntime({ redisUrl: 'redis://127.0.0.1:6379', prefix, concurrency: 1, attempts: 1 });
    await discardRuntime(runtime);
  }
}

describe('careprompt doctor', () => {
  const testEnv = useTestEnvironment();
  const crafted = {} as Awaited<ReturnType<typeof serverWithoutConditionalCreate>>;
  const settings = (fhirBaseUrl: string) => ({
    DATABASE_URL: TEST_DATABASE_URL,
    FHIR_BASE_URL: fhirBaseUrl,
    SENDER_REFERENCE: 'Organization/test-clinic',
    ORG_NAME: 'Test Clinic',
    ORG_REPLY_TIME: '2 business days',
    LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    await applyExampleCampaigns(testEnv.db);
    Object.assign(crafted, await serverWithoutConditionalCreate());
  });
  afterAll(() => crafted.close());

  it("passes every check against the project's FHIR server with the example campaigns applied", async () => {
    const result = await careprompt(['doctor', '--json'], settings(testEnv.fhir.baseUrl));

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.filter((check) => check.result !== 'pass')).toEqual([]);
    const ids = report.checks.map((check) => check.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'connect',
        'authenticate',
        'capability-statement',
        'fhir-version',
        'conditional-create:Communication',
        'revinclude:Patient:Procedure:subject',
        'revinclude:Patient:Consent:patient',
        'search-param:Consent:patient',
        'search-param:Procedure:date',
        'search-param:Condition:clinical-status',
        'search-param:MedicationRequest:authoredon',
        'search-param:MedicationRequest:_lastUpdated',
        'template:wound-care',
        'template:diabetes-self-management',
        'template:medication-check-in',
      ]),
    );

    const table = await careprompt(['doctor'], settings(testEnv.fhir.baseUrl));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/✓ {2}conditional create of Communication \(If-None-Exist\) +all/);
    expect(table.stdout).toMatch(/✓ {2}search Procedure by date +wound-care-after-sutures/);
    expect(table.stdout).toContain(`${ids.length} checks: ${ids.length} passed, 0 warnings, 0 failed, 0 skipped`);
  });

  it('fails, naming the check and what to do, against a server without conditional create', async () => {
    const result = await careprompt(['doctor'], settings(crafted.baseUrl));

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ {2}conditional create of Communication \(If-None-Exist\) +all +Communication does not declare conditionalCreate: true → exactly-once/,
    );
    expect(result.stdout).toContain('1 failed');

    const report = JSON.parse((await careprompt(['doctor', '--json'], settings(crafted.baseUrl))).stdout) as DoctorReport;
    expect(report.checks.filter((check) => check.result !== 'pass').map((check) => check.id)).toEqual(['conditional-create:Communication']);
  });

  it('fails only the check of a broken template, naming its file and problem', async () => {
    const templates = await mkdtemp(path.join(tmpdir(), 'careprompt-doctor-'));
    await cp('templates', templates, { recursive: true });
    // A partial that includes itself would overflow the stack at every evaluation.
    await writeFile(path.join(templates, 'wound-care.hbs'), '{{> loop}}\n{{> safety-footer}}\n');
    await writeFile(path.join(templates, 'partials', 'loop.hbs'), 'again {{> loop}}\n');
    try {
      const result = await careprompt(['doctor', '--json'], { ...settings(testEnv.fhir.baseUrl), TEMPLATES_DIR: templates });

      expect(result.code).toBe(1);
      const failed = (JSON.parse(result.stdout) as DoctorReport).checks.filter((check) => check.result !== 'pass');
      expect(failed.map((check) => check.id)).toEqual(['template:wound-care']);
      expect(failed[0]?.detail).toContain('loop');
    } finally {
      await rm(templates, { recursive: true, force: true });
    }
  });

  it('fails the connect check, without a stack trace, when the FHIR server is down', async () => {
    const result = await careprompt(['doctor'], { ...settings(`http://127.0.0.1:${await closedPort()}`), FHIR_MAX_ATTEMPTS: '1' });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ {2}connect to the FHIR server +all +FHIR read CapabilityStatement failed: network error \(attempt 1\/1\)/,
    );
    expect(result.stdout).toMatch(/✓ {2}load template wound-care/);
    expect(result.stderr).toBe('');
  });

  it('passes connect and fails authenticate when the server answers /metadata with 401', async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [] }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
      const result = await careprompt(['doctor', '--json'], {
        ...settings(baseUrl),
        FHIR_AUTH: 'bearer',
        FHIR_TOKEN: `token-${randomUUID()}`,
      });

      expect(result.code).toBe(1);
      const checks = (JSON.parse(result.stdout) as DoctorReport).checks;
      const byId = (id: string) => checks.find((check) => check.id === id);
      expect(byId('connect')).toMatchObject({ result: 'pass', detail: baseUrl });
      expect(byId('authenticate')).toMatchObject({ result: 'fail', detail: expect.stringContaining('check FHIR_TOKEN') });
      expect(byId('capability-statement')).toMatchObject({ result: 'skip', detail: 'needs: authenticate' });
    } finally {
      await closed(refusing);
    }
  });

  it('exits 2 naming the variable when the configuration is incomplete', async () => {
    const result = await careprompt(['doctor'], { DATABASE_URL: TEST_DATABASE_URL });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FHIR_BASE_URL is not set');
  });

  it('is run by the worker at start-up, which logs each failed check with what to do and still starts', async () => {
    const checksDone = (lines: Array<Record<string, unknown>>) =>
      lines.some((line) => String(line.msg).startsWith('doctor: server checks done'));
    const worker = await runWorker(settings(crafted.baseUrl), checksDone);

    expect(worker.code).toBe(0);
    const { lines } = worker;
    expect(lines.filter((line) => 'notJson' in line)).toEqual([]);
    expect(lines.some((line) => line.msg === 'worker: started; SIGTERM or SIGINT stops it gracefully')).toBe(true);
    const doctorLines = lines.filter((line) => String(line.msg).startsWith('doctor:'));
    expect(doctorLines).toEqual([
      expect.objectContaining({
        level: 50,
        check: 'conditional-create:Communication',
        result: 'fail',
        msg: 'doctor: conditional create of Communication (If-None-Exist)',
        detail: 'Communication does not declare conditionalCreate: true',
        action: expect.stringContaining('exactly-once'),
      }),
      expect.objectContaining({ level: 40, pass: 43, warn: 0, fail: 1, skip: 0 }),
    ]);
  });

  describe('against a strict server that knows the client careprompt by its secret', () => {
    const secret = `right-${randomUUID()}`;
    const wrong = `wrong-${randomUUID()}`;
    const strict = {} as FhirTestServer;
    beforeAll(async () => {
      Object.assign(strict, await startFhirServer({ strict: { auth: { clients: [{ clientId: 'careprompt', secret }] } } }));
    });
    afterAll(() => strict.close());
    const client = (clientId: string, clientSecret: string) => ({
      ...settings(strict.baseUrl),
      FHIR_AUTH: 'client-credentials',
      FHIR_CLIENT_ID: clientId,
      FHIR_CLIENT_SECRET: clientSecret,
    });

    it("shows the token endpoint's refusal of a wrong client id, naming the variables, and still reads the public /metadata", async () => {
      const result = await careprompt(['doctor', '--json'], client(`unknown-${randomUUID()}`, secret));

      expect(result.code).toBe(1);
      const { checks } = JSON.parse(result.stdout) as DoctorReport;
      const byId = (id: string) => checks.find((check) => check.id === id);
      expect(byId('connect')).toMatchObject({ result: 'pass', detail: strict.baseUrl });
      expect(byId('capability-statement')?.result).toBe('pass');
      expect(byId('authenticate')).toMatchObject({
        result: 'fail',
        detail: expect.stringContaining('refused the request (invalid_client): check FHIR_CLIENT_ID and FHIR_CLIENT_SECRET'),
        action: expect.stringContaining('fix what the message names'),
      });
      expect(checks.filter((check) => check.result === 'fail').map((check) => check.id)).toEqual(['authenticate']);
      expect(result.stdout).not.toContain(secret);
    });

    it('stops the worker with exit 1 naming the variables when the credentials are refused at start-up', async () => {
      // The refusal stops it as soon as the checks are logged; the SIGTERM then only stops one that kept running.
      const worker = await runWorker(client('careprompt', wrong), checksDone);

      expect(worker.code).toBe(1);
      expect(worker.stderr).toContain('careprompt: failed: FhirAuthError: the token endpoint');
      expect(worker.stderr).toContain('(invalid_client): check FHIR_CLIENT_ID and FHIR_CLIENT_SECRET');
      expect(worker.lines).toContainEqual(
        expect.objectContaining({ check: 'authenticate', result: 'fail', detail: expect.stringContaining('check FHIR_CLIENT_ID') }),
      );
      expect(worker.stderr).not.toContain(wrong);
    });
  });

  it('lets the worker start when the server cannot be reached, logging the connect check with what to do', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const checksDone = (lines: Array<Record<string, unknown>>) =>
      lines.some((line) => String(line.msg).startsWith('doctor: server checks done'));
    const worker = await runWorker({ ...settings(unreachable), FHIR_MAX_ATTEMPTS: '1' }, checksDone);

    expect(worker.code).toBe(0);
    expect(worker.lines).toContainEqual(
      expect.objectContaining({ check: 'connect', result: 'fail', action: expect.stringContaining(`FHIR_BASE_URL (${unreachable})`) }),
    );
  });
});
