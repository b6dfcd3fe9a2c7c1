/**
 * `campaigns validate|apply` and the value sets campaigns name: validate stays offline and says which the server
 * will expand; apply refuses one that neither a local file nor the configured FHIR server can expand.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findValueSetExpansion } from '../../src/store/index.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { TEST_DATABASE_URL } from '../support/pipeline.ts';

const KNOWN = 'https://careprompt.example/fhir/ValueSet/sutures';
const UNKNOWN = 'https://careprompt.example/fhir/ValueSet/nowhere';

describe('campaign files naming value sets', () => {
  const env = useTestEnvironment();
  const database = { DATABASE_URL: TEST_DATABASE_URL };
  const withServer = () => ({
    ...database,
    FHIR_BASE_URL: env.fhir.baseUrl,
    SENDER_REFERENCE: 'Organization/test-clinic',
    ORG_NAME: 'Test Clinic',
    ORG_REPLY_TIME: '2 business days',
  });
  let dir = '';
  const campaignFile = async (name: string, valueSet: string) => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      `id: ${name}\nname: x\nschedule: { cron: "0 8 * * *" }\ntrigger: { resource: Procedure, valueSet: "${valueSet}", status: [completed] }\ntemplate: wound-care\n`,
    );
    return file;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'careprompt-value-sets-'));
    const valueSet = {
      resourceType: 'ValueSet' as const,
      url: KNOWN,
      version: '3',
      status: 'active' as const,
      compose: { include: [{ system: 'http://snomed.info/sct', concept: [{ code: '18946005' }] }] },
    };
    await env.fhir.load({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: valueSet, request: { method: 'POST', url: 'ValueSet' } }],
    });
  });

  it('validate passes offline and says the server will expand a value set without a file', async () => {
    const file = await campaignFile('by-server', KNOWN);
    const result = await careprompt(['campaigns', 'validate', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`value set ${KNOWN} has no file in jobs/valuesets: the FHIR server will expand it`);
  });

  it('validate refuses a broken value set file as bad input (exit 2), naming the file and what is wrong', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'careprompt-broken-value-sets-'));
    await writeFile(join(folder, 'broken.json'), '{ "resourceType": "ValueSet", ');
    const file = await campaignFile('with-broken-folder', KNOWN);
    const result = await careprompt(['campaigns', 'validate', file], { VALUESETS_DIR: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`careprompt: ${join(folder, 'broken.json')}: is not JSON`);
  });

  it('apply without a FHIR server refuses it, naming the file, the field and the fix', async () => {
    const file = await campaignFile('no-server', KNOWN);
    const result = await careprompt(['campaigns', 'apply', file], database);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: trigger.valueSet ${KNOWN} has no file in jobs/valuesets and no FHIR server is configured`);
    expect(await env.db.campaign.count()).toBe(0);
  });

  it('apply with the server expands and caches a value set it knows, and refuses one it does not', async () => {
    const unknown = await campaignFile('unknown', UNKNOWN);
    const refused = await careprompt(['campaigns', 'apply', unknown], withServer());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${unknown}: trigger.valueSet Value set ${UNKNOWN} could not be expanded by the FHIR server`);

    const known = await campaignFile('known', KNOWN);
    const applied = await careprompt(['campaigns', 'apply', known], withServer());
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('created    known');
    expect(await findValueSetExpansion(env.db, KNOWN)).toMatchObject({ version: '3', codes: ['http://snomed.info/sct|18946005'] });
  });
});
