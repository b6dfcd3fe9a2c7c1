/**
 * Syllable counts by spelling alone, for reading-grade formulas. Both are estimates (no dictionary): close on
 * the plain words patient messages use, off by one on some loanwords and compounds.
 *
 * English: each group of vowels (a e i o u, and y after the first letter) is a syllable, then corrected for the
 * spellings where that is wrong: a silent final e ("take"), but "-le" after a consonant is spoken ("table");
 * "-es" and "-ed" add no syllable except after the sounds that need one ("boxes", "wanted"); an e silent before
 * a suffix ("safely", "careful"); and the vowel pairs usually spoken as two ("ia" in "Australian", "io" in
 * "radio", "ua" in "usual") unless a spelling such as "-tion" or "qua" makes them one.
 *
 * Spanish: each vowel nucleus is a syllable. Vowels next to each other share one (a diphthong or triphthong)
 * unless both are strong (a e o: "po-e-ta") or one is an accented weak vowel (í ú: "dí-a"); the u of
 * que/qui/gue/gui is not spoken, and a final y after a vowel ends a diphthong ("hoy", "muy").
 */

const EN_VOWELS = /[aeiouy]+/g;

/** Endings where the e before "s"/"d" is spoken: "boxes", "wishes", "pages", "wanted", "needed". */
const SPOKEN_ES = /(?:[sxzcg]|ch|sh)es$/;
const SPOKEN_ED = /[td]ed$/;
/** Vowel pairs spoken as two syllables, except where the letter before makes them one sound. */
const SPLIT_PAIRS: ReadonlyArray<[pair: RegExp, oneSound: RegExp]> = [
  [/ia/g, /[cstg]ia/],
  [/io/g, /[cstgx]io/],
  [/ua/g, /[qg]ua/],
  [/uo/g, /[qg]uo/],
];
/** A silent e closing a stem before these suffixes ("lonely", "careful", "movement", "useless"). */
const SILENT_E_BEFORE_SUFFIX = /[^aeiouy]e(?:ly|ful|fully|ment|ments|ness|less)$/;

/** Words of health messages the rules above get wrong. */
const EN_EXCEPTIONS: ReadonlyMap<string, number> = new Map([
  ['area', 3],
  ['business', 2],
  ['create', 2],
  ['created', 3],
  ['diabetes', 4],
  ['idea', 3],
]);

export function englishSyllables(word: string): number {
  const letters = word.toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length === 0) return 0;
  const known = EN_EXCEPTIONS.get(letters);
  if (known !== undefined) return known;
  // y starting a word is a consonant ("yes", "you").
  const spelled = letters.replace(/^y/, 'j');
  let count = (spelled.match(EN_VOWELS) ?? []).length;
  for (const [pair, oneSound] of SPLIT_PAIRS) {
    for (const match of spelled.matchAll(pair)) {
      const before = spelled.slice(Math.max(0, match.index - 1), match.index + 2);
      if (!oneSound.test(before) && !/[aeiou]/.test(spelled[match.index - 1] ?? '')) count += 1;
    }
  }
  if (silentFinalE(spelled)) count -= 1;
  if (SILENT_E_BEFORE_SUFFIX.test(spelled)) count -= 1;
  return Math.max(1, count);
}

function silentFinalE(word: string): boolean {
  if (/[^aeiouy]le$/.test(word) || /[^aeiouy]les$/.test(word)) return false;
  if (/[^aeiouy]e$/.test(word)) return /[aeiouy]/.test(word.slice(0, -2));
  if (/es$/.test(word)) return !SPOKEN_ES.test(word) && /[^aeiouy]es$/.test(word);
  if (/ed$/.test(word)) return !SPOKEN_ED.test(word) && /[^aeiouy]ed$/.test(word);
  return false;
}

const ES_STRONG = new Set(['a', 'e', 'o', 'á', 'é', 'ó']);
const ES_ACCENTED_WEAK = new Set(['í', 'ú']);
const ES_VOWELS = /[aeiouáéíóúü]+/g;

export function spanishSyllables(word: string): number {
  const letters = word
    .toLowerCase()
    .replace(/[^a-záéíóúüñ]/g, '')
    // The u of que/qui/gue/gui is only spelling (ü is spoken: "pingüino").
    .replace(/([qg])u([eiéí])/g, '$1$2')
    // A final y after a vowel closes a diphthong ("hoy", "muy"): a weak vowel.
    .replace(/([aeiouáéíóú])y$/, '$1i');
  if (letters === 'y') return 1;
  let count = 0;
  for (const [run] of letters.matchAll(ES_VOWELS)) {
    count += 1;
    for (let index = 1; index < run.length; index += 1) {
      const [previous = '', current = ''] = [run[index - 1], run[index]];
      const hiatus = (ES_STRONG.has(previous) && ES_STRONG.has(current)) || ES_ACCENTED_WEAK.has(previous) || ES_ACCENTED_WEAK.has(current);
      if (hiatus) count += 1;
    }
  }
  return Math.max(letters.length > 0 ? 1 : 0, count);
}
