/**
 * What a reader sees of a message, cut into sentences and words. A line is a sentence of its own (a greeting,
 * a list item, a line ending in a colon are read as units), and so is each run ending in . ! ? or …. A word is
 * a run of letters or digits, with inner apostrophes and hyphens ("don't", "check-in"); a number is a word.
 */

/** Markup a template might carry: HTML tags, list markers, emphasis and heading marks. */
export function plainText(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/^\s*(?:[-*+•]|\d+[.)]|#+)\s+/gm, '')
    .replace(/[*_`]+/g, '');
}

/** Sentences, each as its words; sentences without a word (a line of dashes) are left out. */
export function sentencesOf(text: string): string[][] {
  return plainText(text)
    .split(/\n+|(?<=[.!?…])["'”’)]*\s+/u)
    .map((sentence) => wordsOf(sentence))
    .filter((words) => words.length > 0);
}

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function wordsOf(text: string): string[] {
  return [...text.matchAll(WORD)].map(([word]) => word);
}
