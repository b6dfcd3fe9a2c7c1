import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { TEST_DATABASE_URL } from '../support/pipeline.ts';

const EASY_EN = 'Hi {{patient.firstName}},\n\nPlease get your blood test this week. It takes ten minutes.\n\n{{> safety-footer}}\n';
const HARD_ES =
  'Hola, {{patient.firstName}}:\n\nLa administración de anticoagulantes orales necesita una monitorización periódica de la coagulación sanguínea mediante determinaciones sistemáticas del cociente internacional normalizado durante todo el tratamiento.\n\n{{> safety-footer}}\n';
const MIDDLING_EN = 'Please remember to schedule your appointment with the clinic before the end of the month.\n\n{{> safety-footer}}\n';

/** A copy of the shipped templates (with their footers) plus the given files. */
async function templatesWith(files: Record<string, string>): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'careprompt-reading-')), 'templates');
  await cp('templates', dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function campaignFile(extra = ''): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'careprompt-reading-')), 'inr-check.yaml');
  await writeFile(
    file,
    'id: inr-check\nname: INR check\nschedule: { cron: "0 9 * * *", timezone: America/Chicago }\n' +
      'trigger: { resource: MedicationRequest, codes: ["http://www.nlm.nih.gov/research/umls/rxnorm|855332"], status: [active] }\n' +
      `template: inr-check\n${extra}`,
  );
  return file;
}

describe('careprompt templates check', () => {
  it('passes the shipped templates, reporting grade, sentences, words and footer per template and language', async () => {
    const result = await careprompt(['templates', 'check', 'templates']);
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(12);
    for (const row of rows)
      expect(row).toMatch(
        /^(wound-care|medication-check-in|diabetes-self-management|hba1c-care-gap|blood-pressure-follow-up|after-ed-visit)\s+(en|es)\s.*\sok\s+\w+\s+ok$/,
      );

    const json = JSON.parse((await careprompt(['templates', 'check', 'templates', '--json'])).stdout);
    expect(json.ok).toBe(true);
    const english = json.templates.find((t: { template: string; language: string }) => t.template === 'wound-care' && t.language === 'en');
    expect(english).toMatchObject({
      verdict: 'ok',
      footer: { replyTime: true, urgent: true },
      readability: { measure: 'flesch-kincaid', sentences: expect.any(Number), maxSentenceWords: expect.any(Number) },
    });
    expect(english.readability.grade).toBeLessThanOrEqual(6);
  });

  it('fails (exit 1) on a variant above grade 8, naming its file and grade; the folder defaults to TEMPLATES_DIR', async () => {
    const dir = await templatesWith({ 'inr-check.hbs': EASY_EN, 'inr-check.es.hbs': HARD_ES });
    const result = await careprompt(['templates', 'check'], { TEMPLATES_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^inr-check\s+es\s+17\+\s+FH -?\d+(\.\d)?\s.*\sfail$/m);
    expect(result.stdout).toMatch(/^inr-check\s+en\s.*\sok$/m);
    expect(result.stderr).toContain(`careprompt: ${join(dir, 'inr-check.es.hbs')} reads at grade 17+, above the limit of 8`);
  });

  it('warns above grade 6 and still passes', async () => {
    const dir = await templatesWith({ 'inr-check.hbs': MIDDLING_EN });
    const result = await careprompt(['templates', 'check', dir, '--json']);
    expect(result.code).toBe(0);
    const reading = JSON.parse(result.stdout).templates.find((t: { template: string }) => t.template === 'inr-check');
    expect(reading.verdict).toBe('warn');
    expect(reading.readability.grade).toBeGreaterThan(6);
    expect(reading.readability.grade).toBeLessThanOrEqual(8);
  });

  it('fails on a footer that no longer says where urgent symptoms go', async () => {
    const footer = 'Your care team at {{org.name}}\n\nWe usually reply within {{org.replyTime}}.\n';
    const dir = await templatesWith({ 'partials/safety-footer.hbs': footer });
    const result = await careprompt(['templates', 'check', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'wound-care.hbs')} has a safety footer without the urgent-symptoms line (911)`);
  });

  it('fails on a template no sample patient can fill', async () => {
    const dir = await templatesWith({ 'inr-check.hbs': 'Hi {{patient.nickname}}.\n{{> safety-footer}}\n' });
    const result = await careprompt(['templates', 'check', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('inr-check.hbs renders with no sample patient: it prints patient.nickname');
  });
});

describe('campaigns and the reading level', () => {
  useTestEnvironment();
  const database = { DATABASE_URL: TEST_DATABASE_URL };

  it('apply refuses a campaign whose template reads above grade 8 in any language, and accepts it with a waiver', async () => {
    const templates = await templatesWith({ 'inr-check.hbs': EASY_EN, 'inr-check.es.hbs': HARD_ES });
    const env = { ...database, TEMPLATES_DIR: templates };

    const refused = await careprompt(['campaigns', 'apply', await campaignFile()], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `template "inr-check" cannot be used: ${join(templates, 'inr-check.es.hbs')} reads at grade 17+ (Fernández-Huerta`,
    );
    expect(refused.stderr).toContain('above the limit of grade 8: rewrite it in shorter sentences and shorter words');
    expect(refused.stderr).toContain('or give the campaign `readingLevelWaiver: <reason>`');
    expect((await careprompt(['campaigns', 'list', '--json'], database)).stdout).not.toContain('inr-check');

    const waived = await campaignFile('readingLevelWaiver: wording required by the anticoagulation clinic\n');
    const accepted = await careprompt(['campaigns', 'apply', waived], env);
    expect(accepted).toMatchObject({ code: 0, stdout: expect.stringContaining('created    inr-check') });

    const blank = await careprompt(['campaigns', 'validate', await campaignFile('readingLevelWaiver: "  "\n')], env);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('readingLevelWaiver must give the reason the template may read above grade 8');
  });
});
