/** `careprompt templates check [dir]`: how each template reads, with the sample patient of every trigger type. */
import { loadTemplatesConfig } from '../../config/index.ts';
import { GRADE_LIMIT, GRADE_TARGET } from '../../readability/index.ts';
import { loadTemplateRegistry, type TemplateProblem, type TemplateReading } from '../../render/index.ts';
import { EXIT } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';

type Verdict = TemplateReading['verdict'];

/** A template variant's verdict: its reading grade's, or fail when its footer lacks what it must say. */
function verdictOf(reading: TemplateReading): Verdict {
  return footerLacks(reading).length === 0 ? reading.verdict : 'fail';
}

/** What the rendered safety footer does not say that it must. */
function footerLacks({ footer }: TemplateReading): string[] {
  if (!footer) return [];
  return [...(footer.replyTime ? [] : ['the reply time']), ...(footer.urgent ? [] : ['the urgent-symptoms line (911)'])];
}

export async function checkTemplates(dir: string | undefined, options: { json: boolean }): Promise<number> {
  const templatesDir = dir ?? loadTemplatesConfig().templatesDir;
  const registry = await loadTemplateRegistry(templatesDir);
  const readings = registry.ids().flatMap((id) => registry.readingOf(id));
  const verdicts = readings.map(verdictOf);
  const problems = registry.problems();
  const ok = problems.length === 0 && !verdicts.includes('fail');
  if (options.json) {
    printJson({ ok, templates: readings.map((reading, index) => ({ ...reading, verdict: verdicts[index] })), problems });
  } else {
    console.log(formatReadings(readings, verdicts));
    for (const line of notes(readings, verdicts, problems)) process.stderr.write(`careprompt: ${line}\n`);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

const MEASURE_NAMES = { 'flesch-kincaid': 'FK', 'fernandez-huerta': 'FH' } as const;

function formatReadings(readings: readonly TemplateReading[], verdicts: readonly Verdict[]): string {
  return formatTable(
    ['TEMPLATE', 'LANG', 'GRADE', 'SCORE', 'SENTENCES', 'WORDS/SENTENCE', 'SYLLABLES/WORD', 'LONG WORDS', 'FOOTER', 'SAMPLE', 'RESULT'],
    readings.map((reading, index) => {
      const r = reading.readability;
      return [
        reading.template,
        reading.language,
        r?.gradeText,
        r && `${MEASURE_NAMES[r.measure]} ${r.score}`,
        r?.sentences,
        r && `${r.meanSentenceWords} (max ${r.maxSentenceWords})`,
        r?.meanSyllablesPerWord,
        r?.longWords.length,
        footerText(reading),
        reading.sample,
        verdicts[index],
      ];
    }),
  );
}

function footerText(reading: TemplateReading): string | undefined {
  if (!reading.footer) return undefined;
  const lacking = footerLacks(reading);
  return lacking.length === 0 ? 'ok' : `lacks ${lacking.length}`;
}

/** What to do about each variant that did not pass, and each template that cannot be used. */
function notes(readings: readonly TemplateReading[], verdicts: readonly Verdict[], problems: readonly TemplateProblem[]): string[] {
  const lines = readings.flatMap((reading, index): string[] => {
    const { file, readability, missing } = reading;
    const verdict = verdicts[index];
    if (missing) return [`${file} renders with no sample patient: it prints ${missing.join(', ')}, which no patient has`];
    if (verdict === 'fail' && readability && readability.grade > GRADE_LIMIT) {
      return [`${file} reads at grade ${readability.gradeText}, above the limit of ${GRADE_LIMIT}: use shorter sentences and words`];
    }
    if (verdict === 'fail')
      return [`${file} has a safety footer without ${footerLacks(reading).join(' or ')}: fix partials/safety-footer*.hbs`];
    if (verdict === 'warn' && readability) {
      return [`warning: ${file} reads at grade ${readability.gradeText}, above the target of ${GRADE_TARGET}`];
    }
    if (verdict === 'unmeasured') return [`warning: ${file} is in a language without a reading formula here: not measured`];
    return [];
  });
  return [...lines, ...problems.map(({ file, problem }) => `${file} ${problem}`)];
}
