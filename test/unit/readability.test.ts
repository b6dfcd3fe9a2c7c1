import { describe, expect, it } from 'vitest';
import { englishSyllables, measureReadability, spanishSyllables, verdictOf } from '../../src/readability/index.ts';

describe('English syllables', () => {
  it.each([
    // plain vowel groups and a y that is a vowel
    ['cat', 1],
    ['walk', 1],
    ['water', 2],
    ['hybrid', 2],
    ['platypus', 3],
    ['seemingly', 3],
    ['symptoms', 2],
    ['emergency', 4],
    ['yes', 1],
    ['you', 1],
    ['the', 1],
    ['are', 1],
    ['eye', 1],
    ['Ana', 2],
    // silent final e, spoken -le
    ['take', 1],
    ['whole', 1],
    ['medicine', 3],
    ['average', 3],
    ['severe', 2],
    ['table', 2],
    ['little', 2],
    ['people', 2],
    ['vegetables', 4],
    // -es and -ed
    ['takes', 1],
    ['sores', 1],
    ['goes', 1],
    ['places', 2],
    ['boxes', 2],
    ['stitches', 2],
    ['messages', 3],
    ['helped', 1],
    ['used', 1],
    ['prescribed', 2],
    ['wanted', 2],
    ['needed', 2],
    // an e silent before a suffix
    ['safely', 2],
    ['careful', 2],
    ['movement', 2],
    // vowel pairs spoken as two, and the spellings that make them one
    ['Australian', 4],
    ['reptilian', 4],
    ['radio', 3],
    ['serious', 3],
    ['usually', 4],
    ['question', 2],
    ['special', 2],
    ['equal', 2],
    ['language', 2],
    // contractions and hyphens
    ["don't", 1],
    ["you're", 1],
    ['check-in', 2],
    // the short list of exceptions
    ['diabetes', 4],
    ['area', 3],
  ])('%s has %i', (word, count) => {
    expect(englishSyllables(word)).toBe(count);
  });
});

describe('Spanish syllables', () => {
  it.each([
    ['sol', 1],
    ['casa', 2],
    ['hola', 2],
    ['ahora', 3],
    // diphthongs: a weak vowel with any vowel, or two weak vowels
    ['diabetes', 3],
    ['recordatorio', 5],
    ['ciudad', 2],
    ['cuidado', 3],
    ['huevo', 2],
    ['Uruguay', 3],
    // hiatus: two strong vowels, or an accented weak vowel
    ['poeta', 3],
    ['leer', 2],
    ['zoológico', 5],
    ['día', 2],
    ['país', 2],
    ['reír', 2],
    ['oído', 3],
    ['tranvía', 3],
    // the silent u of que/qui/gue/gui, and the spoken ü
    ['que', 1],
    ['quiero', 2],
    ['guerra', 2],
    ['guía', 2],
    ['aguacate', 4],
    ['pingüino', 3],
    // y: a vowel alone or closing a diphthong, a consonant elsewhere
    ['y', 1],
    ['hoy', 1],
    ['muy', 1],
    ['ayuda', 3],
    ['medicamentos', 5],
    ['enrojecimiento', 6],
  ])('%s has %i', (word, count) => {
    expect(spanishSyllables(word)).toBe(count);
  });
});

describe('Flesch–Kincaid grade (English)', () => {
  it('gives the published example its published grade', () => {
    // The example usually quoted with the formula: 13 words, 26 syllables, one sentence, grade 13.1.
    const reading = measureReadability('The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.', 'en');
    expect(reading).toMatchObject({ measure: 'flesch-kincaid', words: 13, sentences: 1, meanSyllablesPerWord: 2, grade: 13.1 });
  });

  it('counts sentences at end marks and line ends, and words with numbers, contractions and hyphens', () => {
    const text = "Hi Ana,\n\n- Keep it dry for 24 hours.\n- Don't soak it. Call us!\nYour check-in is done";
    const reading = measureReadability(text, 'en-US');
    // Hi Ana | Keep it dry for 24 hours | Don't soak it | Call us | Your check-in is done
    expect(reading).toMatchObject({ sentences: 5, words: 17, maxSentenceWords: 6, meanSentenceWords: 3.4 });
    // 19 syllables over 17 words (Ana and check-in two each, 24 one): 0.39 × 3.4 + 11.8 × 19/17 − 15.59
    expect(reading?.grade).toBe(-1.1);
  });

  it('lists long words (three syllables or more) once each', () => {
    const reading = measureReadability('Take your medicine. Medicine helps. Call the emergency line.', 'en');
    expect(reading?.longWords).toEqual(['medicine', 'emergency']);
  });

  it('strips markup before measuring', () => {
    const marked = measureReadability('<p>**Keep** the _area_ clean.</p>\n1. Wash it. See https://example.org/care', 'en');
    const plain = measureReadability('Keep the area clean.\nWash it. See', 'en');
    expect(marked).toEqual(plain);
  });
});

describe('Fernández-Huerta readability (Spanish)', () => {
  it('scores a text by syllables per word and words per sentence, and names the grade band', () => {
    // Mídase el azúcar cada día (Mí-da-se el a-zú-car ca-da dí-a: 11 syllables, 5 words).
    // Coma verduras (Co-ma ver-du-ras: 5 syllables, 2 words). 16 syllables, 7 words, 2 sentences:
    // 206.84 − 60 × 16/7 − 1.02 × 3.5 = 66.1: grades 7–8.
    const reading = measureReadability('Mídase el azúcar cada día. Coma verduras.', 'es-MX');
    expect(reading).toMatchObject({ measure: 'fernandez-huerta', words: 7, sentences: 2, score: 66.1, grade: 8, gradeText: '7–8' });
  });

  it.each([
    // 3 syllables, 3 words, 3 sentences: 145.8
    ['Sí. No. Ya.', 4],
    // Mi-da su a-zú-car: 6 syllables, 3 words: 83.8
    ['Mida su azúcar.', 5],
    // 10 + 11 syllables, 10 words, 2 sentences: 75.7
    ['Tome su pastilla cada noche. Mida su azúcar cada mañana.', 6],
    // To-me su pas-ti-lla ca-da ma-ña-na: 11 syllables, 5 words: 69.7
    ['Tome su pastilla cada mañana.', 8],
    // Si-ga to-man-do sus me-di-ca-men-tos co-mo se los re-ce-ta-ron: 19 syllables, 8 words: 56.2
    ['Siga tomando sus medicamentos como se los recetaron.', 12],
    // Con-sul-te in-me-dia-ta-men-te cual-quier com-pli-ca-ción: 15 syllables, 4 words: −22.2
    ['Consulte inmediatamente cualquier complicación.', 17],
  ])('maps "%s" to grade %i', (text, grade) => {
    expect(measureReadability(text, 'es')?.grade).toBe(grade);
  });
});

describe('verdicts', () => {
  it('passes grade 6, warns above it and fails above grade 8', () => {
    expect([6, 6.1, 8, 8.1].map(verdictOf)).toEqual(['ok', 'warn', 'warn', 'fail']);
  });

  it('has no measure for a language without a formula, or for a text without words', () => {
    expect(measureReadability('Bonjour.', 'fr')).toBeUndefined();
    expect(measureReadability('---\n', 'en')).toBeUndefined();
  });
});
