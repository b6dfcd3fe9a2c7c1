import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPopulation } from '../../tools/demo/population.ts';

const SECRET = `secret-${randomUUID()}`;

/** tools/fhir-server/main.ts as the README runs it, and its first two stdout lines. */
async function startMain(flags: string[]): Promise<{ child: ChildProcessWithoutNullStreams; lines: unknown[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/fhir-server/main.ts', ...flags], {
    env: { PATH: process.env.PATH ?? '' },
  });
  const lines: unknown[] = [];
  const stdout = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`main.ts exited (${code}) before printing two lines`)));
    stdout.on('line', (line) => {
      lines.push(JSON.parse(line));
      if (lines.length === 2) resolve();
    });
  });
  return { child, lines };
}

describe('tools/fhir-server/main.ts --seed', () => {
  let running: ChildProcessWithoutNullStreams | undefined;
  afterEach(async () => {
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running?.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  });

  it('loads the population into a strict server before printing its baseUrl, then prints what it holds', async () => {
    const { child, lines } = await startMain(['--strict', '--client-id', 'careprompt', '--client-secret', SECRET, '--seed', '50']);
    running = child;
    const [first, second] = lines as [{ baseUrl: string }, { seeded: { patients: number; woundCare: number } }];
    const expected = buildPopulation({ patients: 50, seed: 42, asOf: new Date() }).expectations;
    expect(second.seeded).toMatchObject({ patients: 50, resources: expected.resources });

    const token = await fetch(`${first.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`careprompt:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const search = await fetch(`${first.baseUrl}/Patient?_summary=count`, { headers: { authorization: `Bearer ${access_token}` } });

    expect(search.status).toBe(200);
    expect(((await search.json()) as { total: number }).total).toBe(50);
    const unauthenticated = await fetch(`${first.baseUrl}/Patient?_summary=count`);
    expect(unauthenticated.status).toBe(401);
  });

  it('exits 2 naming the flag when --seed is not a number of patients', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/fhir-server/main.ts', '--seed', 'many'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));

    expect(code).toBe(2);
    expect(stderr).toContain("--seed must be a number, got 'many'");
  });
});
