import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { TEST_DATABASE_URL } from '../support/pipeline.ts';
import { refusedPort } from '../support/ports.ts';

const CAMPAIGN = `id: notes
name: Notes
schedule: { cron: "0 8 * * *" }
trigger: { resource: Procedure, codes: ["http://snomed.info/sct|18557009"], status: [completed], within: P3D }
template: wound-care
`;

describe('the command line on bad input', () => {
  const testEnv = useTestEnvironment();
  const database = { DATABASE_URL: TEST_DATABASE_URL };
  let dir: string;
  /** The shipped templates plus `broken.hbs` (an unknown helper) and `lost.hbs` (a missing partial). */
  let templates: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'careprompt-cli-errors-'));
    templates = join(dir, 'templates');
    await cp('templates', templates, { recursive: true });
    await writeFile(join(templates, 'broken.hbs'), 'Hi {{shout patient.firstName}}\n{{> safety-footer}}\n');
    await writeFile(join(templates, 'lost.hbs'), 'Hi\n{{> signature}}\n{{> safety-footer}}\n');
  });

  async function campaignFile(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('applies campaigns beside a broken template they do not use, and refuses those that use it (exit 2)', async () => {
    const env = { ...database, TEMPLATES_DIR: templates };
    const applied = await careprompt(['campaigns', 'apply', 'jobs'], env);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain('created    wound-care-after-sutures');

    const usesBroken = await campaignFile('uses-broken.yaml', CAMPAIGN.replace('template: wound-care', 'template: broken'));
    const broken = await careprompt(['campaigns', 'apply', usesBroken], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      `careprompt: ${usesBroken}: template "broken" cannot be used: ${join(templates, 'broken.hbs')} uses unknown helper 'shout' (line 1): fix the template\n`,
    );
    const usesLost = await campaignFile('uses-lost.yaml', CAMPAIGN.replace('template: wound-care', 'template: lost'));
    const lost = await careprompt(['campaigns', 'validate', usesLost], { TEMPLATES_DIR: templates });
    expect(lost.code).toBe(2);
    expect(lost.stderr).toContain("uses partial 'signature', but there is no partials/signature.hbs");
    expect(await testEnv.db.campaign.count({ where: { id: 'notes' } })).toBe(0);
  });

  it('refuses absurd durations, empty files and lists naming the file (exit 2)', async () => {
    const absurd = await campaignFile('absurd.yaml', CAMPAIGN.replace('within: P3D', 'within: P99999999999D'));
    const refused = await careprompt(['campaigns', 'validate', absurd]);
    expect(refused).toMatchObject({ code: 2 });
    expect(refused.stderr).toBe(
      `careprompt: ${absurd}: trigger.within must be at most P3650D (ten years): write a shorter duration, e.g. P365D\n`,
    );

    const empty = await campaignFile('empty.yaml', '');
    const list = await campaignFile('list.yaml', `- id: a\n- id: b\n`);
    for (const [file, kind] of [
      [empty, 'is empty'],
      [list, 'is a list'],
    ] as const) {
      const result = await careprompt(['campaigns', 'validate', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file}: ${kind}: a campaign file holds one mapping with id, name, schedule, trigger and template`);
    }
  });

  it('names the templates folder it cannot read, TEMPLATES_DIR and the cause (exit 2)', async () => {
    const missing = join(dir, 'no-templates-here');
    const result = await careprompt(['campaigns', 'validate', 'jobs'], { TEMPLATES_DIR: missing });
    expect(result).toMatchObject({
      code: 2,
      stderr: `careprompt: ${missing} cannot be read (ENOENT): TEMPLATES_DIR must name a readable folder of templates (copy templates/ from the repository)\n`,
    });
  });

  it('says what --limit takes (exit 2)', async () => {
    for (const limit of ['-1', '1e9', '0', '10001', 'ten']) {
      const result = await careprompt(['outreach', 'list', '--limit', limit], database);
      expect(result, limit).toMatchObject({
        code: 2,
        stderr: `careprompt: --limit must be a whole number from 1 to 10000, not "${limit}"\n`,
      });
    }
  });

  it('names DATABASE_URL, host and port of a database it cannot reach, in one line without the password (exit 1)', async () => {
    const result = await careprompt(['outreach', 'list'], { DATABASE_URL: 'postgresql://careprompt:s3cret@127.0.0.1:1/careprompt' });
    expect(result).toMatchObject({
      code: 1,
      stderr:
        'careprompt: cannot use the database of DATABASE_URL (host 127.0.0.1, port 1, database careprompt): no database server answers there [P1001]\n',
    });
  });

  it('names REDIS_URL, host and port of a Redis that does not answer, in one line without the password (exit 1)', async () => {
    const port = await refusedPort();
    const result = await careprompt(['run', '--once'], {
      ...database,
      REDIS_URL: `redis://:s3cret@127.0.0.1:${port}`,
      FHIR_BASE_URL: testEnv.fhir.baseUrl,
      SENDER_REFERENCE: 'Organization/test-clinic',
      ORG_NAME: 'Test Clinic',
      ORG_REPLY_TIME: '2 business days',
      LOG_LEVEL: 'silent',
    });
    expect(result).toMatchObject({
      code: 1,
      stderr: `careprompt: cannot use the Redis of REDIS_URL (host 127.0.0.1, port ${port}): it did not answer; start Redis there or fix REDIS_URL\n`,
    });
  });

  it('says how to create and migrate a database that does not exist, or was never migrated (exit 1)', async () => {
    const url = new URL(TEST_DATABASE_URL);
    const named = (name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
    const where = (name: string) => `host ${url.hostname}, port ${url.port || '5432'}, database ${name}`;
    const migrate = 'run `npx prisma migrate deploy` with this DATABASE_URL';

    const absent = `${url.pathname.slice(1)}_absent`;
    expect(await careprompt(['outreach', 'list'], { DATABASE_URL: named(absent) })).toMatchObject({
      code: 1,
      stderr: `careprompt: cannot use the database of DATABASE_URL (${where(absent)}): the database does not exist there: create it, then ${migrate} (from a checkout, scripts/setup.sh does both) [P1003]\n`,
    });

    const empty = `${url.pathname.slice(1)}_unmigrated`;
    await testEnv.db.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${empty}"`);
    await testEnv.db.$executeRawUnsafe(`CREATE DATABASE "${empty}"`);
    try {
      for (const args of [
        ['campaigns', 'list'],
        ['outreach', 'list'],
      ]) {
        expect(await careprompt(args, { DATABASE_URL: named(empty) }), args.join(' ')).toMatchObject({
          code: 1,
          stderr: `careprompt: cannot use the database of DATABASE_URL (${where(empty)}): it has no careprompt tables: ${migrate} [P2021]\n`,
        });
      }
    } finally {
      await testEnv.db.$executeRawUnsafe(`DROP DATABASE "${empty}" WITH (FORCE)`);
    }
  });
});
