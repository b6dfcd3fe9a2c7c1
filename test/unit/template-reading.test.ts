import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplateRegistry } from '../../src/render/index.ts';

const HARD =
  'Hi {{patient.firstName}},\n\nPostoperative management necessitates meticulous observation of incisional integrity, particularly regarding erythema, induration and purulent exudation.\n\n{{> safety-footer}}\n';

async function templatesWith(files: Record<string, string>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'careprompt-reading-')), 'templates');
  await cp('templates', dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('the reading level of templates', () => {
  it('measures each shipped variant with the sample contexts: the body only, the footer checked for what it says', async () => {
    const registry = await loadTemplateRegistry('templates');
    const readings = registry.ids().flatMap((id) => registry.readingOf(id));
    expect(readings.map(({ template, language }) => `${template}.${language}`).sort()).toEqual([
      'after-ed-visit.en',
      'after-ed-visit.es',
      'blood-pressure-follow-up.en',
      'blood-pressure-follow-up.es',
      'diabetes-self-management.en',
      'diabetes-self-management.es',
      'hba1c-care-gap.en',
      'hba1c-care-gap.es',
      'medication-check-in.en',
      'medication-check-in.es',
      'wound-care.en',
      'wound-care.es',
    ]);
    for (const reading of readings) {
      expect(reading).toMatchObject({ verdict: 'ok', footer: { replyTime: true, urgent: true } });
      expect(reading.readability?.grade).toBeLessThanOrEqual(6);
    }
    const english = readings.find(({ template, language }) => template === 'wound-care' && language === 'en');
    // The footer ("…call 911 in an emergency") is checked, not measured with the body.
    expect(english?.readability?.longWords).not.toContain('emergency');
    expect(english?.readability?.measure).toBe('flesch-kincaid');
  });

  it('makes a template above grade 8 a problem of the campaigns using it, not of the template, unless they waive it', async () => {
    const dir = await templatesWith({ 'wound-care.hbs': HARD });
    const registry = await loadTemplateRegistry(dir);

    expect(registry.problemsOf('wound-care')).toEqual([]);
    expect(registry.problems()).toEqual([]);
    expect(registry.resolve('wound-care')?.render).toBeTypeOf('function');
    const [reading] = registry.readingOf('wound-care').filter(({ language }) => language === 'en');
    expect(reading).toMatchObject({ verdict: 'fail', file: path.join(dir, 'wound-care.hbs') });

    const [problem, ...others] = registry.problemsFor({ template: 'wound-care' });
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ kind: 'reading-level', template: 'wound-care', file: path.join(dir, 'wound-care.hbs') });
    expect(problem?.problem).toMatch(
      /^reads at grade \d+\.\d \(Flesch–Kincaid\), above the limit of grade 8: rewrite it in shorter sentences and shorter words .* or give the campaign `readingLevelWaiver: <reason>`$/,
    );
    expect(registry.problemsFor({ template: 'wound-care', readingLevelWaiver: 'agreed with the surgeons' })).toEqual([]);
    expect(registry.problemsFor({ template: 'diabetes-self-management' })).toEqual([]);
  });

  it('still names a broken template first, waiver or not', async () => {
    const dir = await templatesWith({ 'wound-care.hbs': 'Hi {{shout patient.firstName}}\n{{> safety-footer}}\n' });
    const registry = await loadTemplateRegistry(dir);
    const problems = registry.problemsFor({ template: 'wound-care', readingLevelWaiver: 'any reason' });
    expect(problems.map(({ kind }) => kind)).toEqual(['broken']);
    expect(registry.readingOf('wound-care')).toEqual([]);
  });
});
