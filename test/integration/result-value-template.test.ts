import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { careprompt } from '../support/cli.ts';

const PRINTS_VALUE =
  'Hi {{patient.firstName}}.\nYour A1c test is back.\nIt was {{trigger.value}}.\nPlease call us.\n\n{{> safety-footer}}\n';

async function setup(extra: string): Promise<{ templates: string; file: string }> {
  const root = await mkdtemp(join(tmpdir(), 'careprompt-value-'));
  const templates = join(root, 'templates');
  await cp('templates', templates, { recursive: true });
  await writeFile(join(templates, 'hba1c.hbs'), PRINTS_VALUE);
  const file = join(root, 'hba1c-high.yaml');
  await writeFile(
    file,
    'id: hba1c-high\nname: High HbA1c\nschedule: { cron: "0 9 * * *", timezone: America/Chicago }\n' +
      'trigger:\n  resource: Observation\n  codes: ["http://loinc.org|4548-4"]\n  status: [final, amended, corrected]\n' +
      '  within: P30D\n  value: { ge: 9, unit: "%" }\nreview: required\ntemplate: hba1c\n' +
      extra,
  );
  return { templates, file };
}

describe('careprompt campaigns validate and a template printing the result value', () => {
  it('refuses the campaign unless it allows the value, naming the template file, the field and the fix', async () => {
    const refused = await setup('');
    const result = await careprompt(['campaigns', 'validate', refused.file], { TEMPLATES_DIR: refused.templates });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `careprompt: ${refused.file}: template "hba1c" cannot be used: ${join(refused.templates, 'hba1c.hbs')} prints the result's value (line 3), which the campaign does not allow: set allowValueInMessage: true, or remove {{trigger.value}}`,
    );

    const allowed = await setup('allowValueInMessage: true\n');
    expect(await careprompt(['campaigns', 'validate', allowed.file], { TEMPLATES_DIR: allowed.templates })).toMatchObject({ code: 0 });
  });
});
