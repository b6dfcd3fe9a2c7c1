/**
 * Reading grade of a text, by the formula published for its language.
 *
 * English, Flesch–Kincaid grade level (Kincaid, Fishburne, Rogers & Chissom, 1975, for the US Navy):
 *   grade = 0.39 × words/sentences + 11.8 × syllables/words − 15.59
 *
 * Spanish, Fernández-Huerta readability (J. Fernández Huerta, 1959, "Medidas sencillas de lecturabilidad",
 * Consigna 214: 29–32), Flesch's reading ease refitted to Spanish, 0–100, higher is easier. It is usually printed
 * as 206.84 − 0.60 P − 1.02 F with F the sentences per 100 words, which would make shorter sentences harder;
 * as Gwillim Law argued (LINGUIST List 22.2332, 2011), F is words per sentence, as in Flesch's formula:
 *   score = 206.84 − 60 × syllables/words − 1.02 × words/sentences
 * Fernández Huerta's table names a school level per score band; a band's highest US grade is the grade used:
 *   90–100 grade 4, 80–90 grade 5, 70–80 grade 6, 60–70 grades 7–8, 50–60 pre-university (9–12),
 *   30–50 first university years (13–16), below 30 specialised university study (17+).
 */
import { englishSyllables, spanishSyllables } from './syllables.ts';
import { sentencesOf } from './text.ts';

/** Health-literacy guidance: patient materials at grade 6 or below, grade 8 at most. */
export const GRADE_TARGET = 6;
export const GRADE_LIMIT = 8;

type ReadingMeasure = 'flesch-kincaid' | 'fernandez-huerta';
export type ReadingVerdict = 'ok' | 'warn' | 'fail';

export interface Readability {
  measure: ReadingMeasure;
  /** The formula's own result: a grade for Flesch–Kincaid, a 0–100 ease for Fernández-Huerta. */
  score: number;
  /** The US school grade the text is read at (for Fernández-Huerta, the top of its band). */
  grade: number;
  /** The grade as the measure states it: `6.4`, or a band such as `7–8`. */
  gradeText: string;
  sentences: number;
  words: number;
  meanSentenceWords: number;
  maxSentenceWords: number;
  meanSyllablesPerWord: number;
  /** Distinct long words, in order of appearance: 3+ syllables in English, 4+ in Spanish (its words run longer). */
  longWords: string[];
}

interface Language {
  measure: ReadingMeasure;
  syllables(word: string): number;
  longWordSyllables: number;
  grade(stats: { wordsPerSentence: number; syllablesPerWord: number }): Pick<Readability, 'score' | 'grade' | 'gradeText'>;
}

/** [lowest score, grade, how the band is named] from easiest to hardest. */
const FERNANDEZ_HUERTA_BANDS: ReadonlyArray<[minScore: number, grade: number, text: string]> = [
  [90, 4, '4'],
  [80, 5, '5'],
  [70, 6, '6'],
  [60, 8, '7–8'],
  [50, 12, '9–12'],
  [30, 16, '13–16'],
  [Number.NEGATIVE_INFINITY, 17, '17+'],
];

const LANGUAGES: ReadonlyMap<string, Language> = new Map([
  [
    'en',
    {
      measure: 'flesch-kincaid',
      syllables: englishSyllables,
      longWordSyllables: 3,
      grade({ wordsPerSentence, syllablesPerWord }) {
        const grade = round(0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59);
        return { score: grade, grade, gradeText: grade.toFixed(1) };
      },
    },
  ],
  [
    'es',
    {
      measure: 'fernandez-huerta',
      syllables: spanishSyllables,
      longWordSyllables: 4,
      grade({ wordsPerSentence, syllablesPerWord }) {
        const score = round(206.84 - 60 * syllablesPerWord - 1.02 * wordsPerSentence);
        const [, grade, gradeText] = FERNANDEZ_HUERTA_BANDS.find(([minScore]) => score >= minScore) ?? [0, 17, '17+'];
        return { score, grade, gradeText };
      },
    },
  ],
]);

/** The text's readability in its language, or undefined for a language without a formula here or a text without words. */
export function measureReadability(text: string, language: string): Readability | undefined {
  const rules = LANGUAGES.get(baseLanguage(language));
  const sentences = sentencesOf(text);
  if (!rules || sentences.length === 0) return undefined;
  const words = sentences.flat();
  // A number is a word of one syllable: "24" is as quick to read as "two".
  const syllables = words.map((word) => Math.max(1, rules.syllables(word)));
  const totalSyllables = syllables.reduce((sum, count) => sum + count, 0);
  const wordsPerSentence = words.length / sentences.length;
  const syllablesPerWord = totalSyllables / words.length;
  const longWords = new Set(words.filter((_, index) => (syllables[index] ?? 0) >= rules.longWordSyllables).map((w) => w.toLowerCase()));
  return {
    measure: rules.measure,
    ...rules.grade({ wordsPerSentence, syllablesPerWord }),
    sentences: sentences.length,
    words: words.length,
    meanSentenceWords: round(wordsPerSentence),
    maxSentenceWords: Math.max(...sentences.map((sentence) => sentence.length)),
    meanSyllablesPerWord: round(syllablesPerWord, 2),
    longWords: [...longWords],
  };
}

export function verdictOf(grade: number): ReadingVerdict {
  if (grade > GRADE_LIMIT) return 'fail';
  return grade > GRADE_TARGET ? 'warn' : 'ok';
}

function baseLanguage(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? '';
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
