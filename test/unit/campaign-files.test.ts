import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CampaignFileError, loadCampaigns, parseCampaign } from '../../src/campaigns/index.ts';

const valid = `
id: wound-care
name: Wound care
schedule: { cron: "0 8-18/2 * * *", timezone: America/New_York }
trigger:
  resource: Procedure
  codes: ["http://snomed.info/sct|18557009"]
  status: [completed]
  within: P3D
template: wound-care
`;

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof CampaignFileError) return error.problems;
    throw error;
  }
  throw new Error('expected a CampaignFileError');
}

describe('campaign files', () => {
  it('applies defaults to a minimal valid file', () => {
    const { campaign, hash } = parseCampaign('jobs/a.yaml', valid);
    expect(campaign).toMatchObject({
      active: true,
      repeat: 'once',
      review: 'none',
      category: 'reminder',
      sensitive: false,
      channel: 'fhir-communication',
    });
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the file, the field and the fix for a bad code token', () => {
    const problems = problemsOf(() => parseCampaign('jobs/a.yaml', valid.replace('http://snomed.info/sct|18557009', '18557009')));
    expect(problems).toEqual([{ file: 'jobs/a.yaml', field: 'trigger.codes.0', message: expect.stringContaining('"system|code"') }]);
  });

  it('names the file, the field and the known channels for an unknown channel', () => {
    const problems = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}channel: sms\n`));
    expect(problems).toEqual([{ file: 'jobs/a.yaml', field: 'channel', message: 'must be one of fhir-communication' }]);
  });

  it('rejects month durations with a suggestion', () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', valid.replace('within: P3D', 'within: P1M')));
    expect(problem).toMatchObject({ field: 'trigger.within', message: expect.stringContaining('use P30D') });
  });

  it('refuses durations longer than ten years in within, delay and repeat', () => {
    const absurd = `${valid.replace('within: P3D', 'within: P99999999999D\n  delay: P3651D')}repeat: PT99999999999M\n`;
    expect(problemsOf(() => parseCampaign('jobs/a.yaml', absurd))).toEqual(
      ['trigger.within', 'trigger.delay', 'repeat'].map((field) => ({
        file: 'jobs/a.yaml',
        field,
        message: 'must be at most P3650D (ten years): write a shorter duration, e.g. P365D',
      })),
    );
    const longest = `${valid.replace('within: P3D', 'within: P3650D\n  delay: P521W')}repeat: P3650D\n`;
    expect(parseCampaign('jobs/a.yaml', longest).campaign.trigger).toMatchObject({ within: 'P3650D', delay: 'P521W' });
  });

  it('reports unknown fields, missing fields and bad time zones together', () => {
    const text = valid.replace('template: wound-care', 'templte: wound-care').replace('America/New_York', 'Mars/Olympus');
    const problems = problemsOf(() => parseCampaign('jobs/a.yaml', text));
    expect(problems.map((problem) => problem.field).sort()).toEqual(['schedule.timezone', 'template', 'templte']);
    expect(problems.find((problem) => problem.field === 'templte')?.message).toBe('is not a known field: did you mean template?');
    expect(problems.find((problem) => problem.field === 'template')?.message).toBe('is required');
  });

  describe('says what to write instead of what a new user wrote', () => {
    const problemOf = (text: string) => {
      const problems = problemsOf(() => parseCampaign('jobs/a.yaml', text));
      expect(problems).toHaveLength(1);
      const [problem] = problems;
      if (!problem) throw new Error('expected one problem');
      return problem;
    };

    it('a scalar status: a list, with the value written as the example', () => {
      expect(problemOf(valid.replace('status: [completed]', 'status: active'))).toEqual({
        file: 'jobs/a.yaml',
        field: 'trigger.status',
        message: 'must be a list, e.g. [active]',
      });
      expect(new CampaignFileError([problemOf(valid.replace('status: [completed]', 'status: active'))]).message).toBe(
        'jobs/a.yaml: trigger.status must be a list, e.g. [active]',
      );
    });

    it('code for codes inside trigger: the unknown nested field by its path, and the field meant', () => {
      const problems = problemsOf(() => parseCampaign('jobs/a.yaml', valid.replace('codes:', 'code:')));
      expect(problems).toEqual(
        expect.arrayContaining([{ file: 'jobs/a.yaml', field: 'trigger.code', message: 'is not a known field: did you mean codes?' }]),
      );
    });

    it('an unknown field nothing is close to: the fields there are', () => {
      expect(problemOf(valid.replace('  within: P3D', '  within: P3D\n  urgency: high'))).toEqual({
        file: 'jobs/a.yaml',
        field: 'trigger.urgency',
        message: 'is not a known field: remove it or check the spelling (fields: resource, codes, valueSet, status, within, delay, value)',
      });
    });

    it('criteria: misspelt fields at any depth, two operators in one criterion, units and bounds that cannot match', () => {
      const withCriteria = (criteria: string) => `${valid}${criteria}`;
      const problems = problemsOf(() =>
        parseCampaign(
          'jobs/a.yaml',
          withCriteria(`when:
  all:
    - lacks: { resource: Observation, codes: ["http://loinc.org|4548-4"], withn: P180D }
    - has: { resource: Observation, codes: ["http://loinc.org|8480-6"], value: { ge: 160, unit: "mm[hg]" } }
    - has: { resource: Observation, codes: ["http://loinc.org|4548-4"], value: { ge: 10, lt: 5, unit: "%" } }
    - { age: { min: 18 }, gender: female }
    - gender: femal
exclude:
  - reasn: hospice care
    has: { resource: Procedure, codes: ["http://snomed.info/sct|385763009"] }
`),
        ),
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          { file: 'jobs/a.yaml', field: 'when.all.0.lacks.withn', message: 'is not a known field: did you mean within?' },
          {
            file: 'jobs/a.yaml',
            field: 'when.all.1.has.value.unit',
            message: 'is not a UCUM code (UCUM is case-sensitive): did you mean mm[Hg]?',
          },
          {
            file: 'jobs/a.yaml',
            field: 'when.all.2.has.value',
            message: 'no value can pass these bounds: the lower bound (gt, ge) must lie below the upper one (lt, le)',
          },
          {
            file: 'jobs/a.yaml',
            field: 'when.all.3',
            message: 'has age and gender: give one per criterion and combine them with all: or any:',
          },
          {
            file: 'jobs/a.yaml',
            field: 'when.all.4.gender',
            message: 'must be one of male, female, other, unknown (FHIR administrative gender, lowercase), or a list of them',
          },
          { file: 'jobs/a.yaml', field: 'exclude.0.reasn', message: 'is not a known field: did you mean reason?' },
        ]),
      );
    });

    it('a value outside a list of options: the options, and the one meant when it is close', () => {
      expect(problemOf(valid.replace('resource: Procedure', 'resource: Procedures'))).toEqual({
        file: 'jobs/a.yaml',
        field: 'trigger.resource',
        message: expect.stringMatching(/^must be one of .*Condition.*Procedure.* \(did you mean Procedure\?\)$/),
      });
      expect(problemOf(`${valid}review: yes\n`)).toEqual({
        file: 'jobs/a.yaml',
        field: 'review',
        message: 'must be one of none, required',
      });
      expect(problemOf(`${valid}review: Required\n`).message).toBe('must be one of none, required (did you mean required?)');
    });

    it("a status the resource type cannot have, in a trigger, a cohort or a criterion: the type's statuses", () => {
      const procedureStatuses = 'preparation, in-progress, not-done, on-hold, stopped, completed, entered-in-error, unknown';
      expect(problemOf(valid.replace('status: [completed]', 'status: [completed, complete]'))).toEqual({
        file: 'jobs/a.yaml',
        field: 'trigger.status.1',
        message: `must be one of ${procedureStatuses} (did you mean completed?)`,
      });
      const cohort = valid
        .replace('trigger:', 'cohort:')
        .replace('resource: Procedure', 'resource: Condition')
        .replace('status: [completed]', 'status: [confirmed]')
        .replace('  within: P3D\n', '');
      expect(problemOf(`${cohort}repeat: P30D\n`)).toEqual({
        file: 'jobs/a.yaml',
        field: 'cohort.status.0',
        message: 'must be one of active, recurrence, relapse, inactive, remission, resolved',
      });
      const criterion = `${valid}when:\n  lacks: { resource: Observation, codes: ["http://loinc.org|4548-4"], status: [Final] }\n`;
      expect(problemOf(criterion)).toEqual({
        file: 'jobs/a.yaml',
        field: 'when.lacks.status.0',
        message: expect.stringMatching(/^must be one of registered, preliminary, final, .* \(did you mean final\?\)$/),
      });
    });

    it('a template id with other characters: the characters allowed', () => {
      expect(problemOf(valid.replace('template: wound-care', 'template: wound_care'))).toEqual({
        file: 'jobs/a.yaml',
        field: 'template',
        message: expect.stringContaining('lowercase letters, digits and dashes (e.g. wound-care)'),
      });
    });

    it('a scalar where a mapping or true/false belongs', () => {
      expect(problemOf(`${valid}active: sometimes\n`)).toMatchObject({ field: 'active', message: 'must be true or false' });
      expect(problemOf(valid.replace(/schedule: .*\n/, 'schedule: daily\n'))).toMatchObject({
        field: 'schedule',
        message: 'must be a mapping of fields (see jobs/*.yaml)',
      });
    });
  });

  it("checks cron expressions with the scheduler's parser", () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', valid.replace('0 8-18/2 * * *', '99 * * * *')));
    expect(problem).toMatchObject({ field: 'schedule.cron', message: expect.stringContaining('expected range 0-59') });
  });

  it('refuses repeat periods shorter than a day', () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}repeat: PT6H\n`));
    expect(problem).toMatchObject({ field: 'repeat', message: 'must be at least P1D (one day)' });
  });

  it('refuses a sensitive campaign that would send without review', () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}sensitive: true\n`));
    expect(problem).toMatchObject({ field: 'review', message: expect.stringContaining('never sent automatically') });
  });

  it('reads sendWindow, priority and exemptFromCaps, with defaults', () => {
    expect(parseCampaign('jobs/a.yaml', valid).campaign).toMatchObject({ priority: 0, exemptFromCaps: false });
    expect(parseCampaign('jobs/a.yaml', `${valid}sendWindow: "08:00-12:00 mon-fri"\npriority: 7\n`).campaign).toMatchObject({
      sendWindow: '08:00-12:00 mon-fri',
      priority: 7,
    });
  });

  it('names the field and the fix for a bad send window or priority', () => {
    const [window] = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}sendWindow: "9-17"\n`));
    expect(window).toMatchObject({ field: 'sendWindow', message: expect.stringContaining('write HH:MM-HH:MM') });
    const [priority] = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}priority: 1.5\n`));
    expect(priority).toMatchObject({ field: 'priority', message: expect.stringContaining('whole number') });
  });

  it('allows exemptFromCaps only with review required, saying so', () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', `${valid}exemptFromCaps: true\n`));
    expect(problem).toMatchObject({ field: 'exemptFromCaps', message: expect.stringContaining('add review: required') });
    expect(parseCampaign('jobs/a.yaml', `${valid}exemptFromCaps: true\nreview: required\n`).campaign.exemptFromCaps).toBe(true);
  });

  it('says what a campaign file holds when it is empty, a list or a single value', () => {
    const message = (text: string) => problemsOf(() => parseCampaign('jobs/a.yaml', text)).map((problem) => problem.message);
    const shape = 'a campaign file holds one mapping with id, name, schedule, trigger and template';
    expect(message('')).toEqual([expect.stringMatching(new RegExp(`^is empty: ${shape}`))]);
    expect(message('# only a comment\n')).toEqual([expect.stringMatching(/^is empty: /)]);
    expect(message(`- ${valid.trim().replaceAll('\n', '\n  ')}\n`)).toEqual([expect.stringMatching(new RegExp(`^is a list: ${shape}`))]);
    expect(message('wound-care\n')).toEqual([expect.stringMatching(/^is a single value, not a mapping: /)]);
  });

  it('reports YAML syntax errors with the line', () => {
    const [problem] = problemsOf(() => parseCampaign('jobs/a.yaml', 'id: [unclosed\nname: x'));
    expect(problem?.message).toMatch(/not valid YAML at line \d/);
  });

  it('runs the injected check (e.g. the template exists)', () => {
    const problems = problemsOf(() => parseCampaign('jobs/a.yaml', valid, () => [{ field: 'template', message: 'missing file' }]));
    expect(problems).toEqual([{ file: 'jobs/a.yaml', field: 'template', message: 'missing file' }]);
  });

  it('loads a folder whole or not at all, and catches duplicate ids', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careprompt-campaigns-'));
    await writeFile(join(dir, 'a.yaml'), valid);
    await writeFile(join(dir, 'b.yml'), valid);
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    await expect(loadCampaigns(dir)).rejects.toThrow(/b\.yml: id "wound-care" is already used by .*a\.yaml/);
    await writeFile(join(dir, 'b.yml'), valid.replace('id: wound-care', 'id: wound-care-2'));
    expect((await loadCampaigns(dir)).map((loaded) => loaded.campaign.id)).toEqual(['wound-care', 'wound-care-2']);
  });

  it('accepts the shipped example campaigns', async () => {
    const ids = (await loadCampaigns('jobs')).map((loaded) => loaded.campaign.id);
    expect(ids).toEqual([
      'after-ed-visit',
      'blood-pressure-follow-up',
      'diabetes-self-management',
      'hba1c-care-gap',
      'new-medication-check-in',
      'wound-care-after-sutures',
    ]);
  });
});
