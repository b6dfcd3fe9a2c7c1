/** What other folders may use from readability: reading grades of plain text, English and Spanish. */
export {
  GRADE_LIMIT,
  GRADE_TARGET,
  measureReadability,
  type Readability,
  type ReadingVerdict,
  verdictOf,
} from './grade.ts';
export { englishSyllables, spanishSyllables } from './syllables.ts';
