/**
 * The name a patient knows a medicine by: its ingredients ("atorvastatin"), not the prescribable product RxNorm
 * names ("atorvastatin 10 MG Oral Tablet [Lipitor]").
 *
 * RxNorm's normalized names follow a pattern: [quantity] ingredient strength [/ ingredient strength …] dose form
 * [brand], e.g. "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet", "hydrochlorothiazide 12.5 MG /
 * lisinopril 10 MG Oral Tablet", "3 ML insulin glargine 100 UNT/ML Pen Injector [Lantus]", and packs
 * "{21 (… Oral Tablet) / 7 (inert ingredients …) } Pack [Brand]". The ingredient is what comes before its
 * strength, less a salt that only makes the drug stable ("metformin hydrochloride" is metformin to a patient)
 * unless the salt is the medicine itself ("potassium chloride"). Combinations keep every ingredient, joined
 * with " / " as RxNorm writes them, so the name reads the same in any language.
 */
import type { CodeableConcept } from '../fhir/index.ts';

/** A leading quantity or duration: "24 HR", "3 ML", "0.4 ML", "200 ACTUAT". */
const LEADING_QUANTITY = /^(?:\d+(?:\.\d+)?\s+[A-Z]+\s+)+/;
/** A strength: a number, then a unit ("500 MG", "0.09 MG/ACTUAT", "100 UNT/ML", "5%", "500mg"). */
const STRENGTH = /\s\d[\d.,]*\s*(?:%|[a-z]+\b)/i;
/** The first word of a dose form, where one is written without a strength ("atorvastatin Oral Tablet"). */
const DOSE_FORM =
  /\s(?:er|xr|xl|sr|cr|dr|odt|oral|tablets?|capsules?|injectable|injection|injector|solution|suspension|topical|cream|ointment|gel|lotion|extended|delayed|chewable|sublingual|disintegrating|buccal|nasal|ophthalmic|otic|transdermal|inhalation|inhaler|inhalant|metered|prefilled|pen|auto-injector|patch|powder|spray|drops?|rectal|vaginal|suppository|syrup|elixir|lozenge|film|kit|pack|product|effervescent|enteric|granules|foam|shampoo|mouthwash|paste)\b/i;
/** Salts and hydrates written after the ingredient. */
const SALT =
  /\s(?:hydrochloride|hcl|hydrobromide|sodium|potassium|calcium|magnesium|besylate|maleate|mesylate|succinate|tartrate|bitartrate|sulfate|citrate|acetate|fumarate|phosphate|bromide|chloride|hyclate|propionate|dipropionate|furoate|valerate|monohydrate|dihydrate|trihydrate)\b.*$/i;
/** Ingredients that are the mineral itself: their salt is the medicine ("potassium chloride", "calcium carbonate"). */
const MINERAL = /^(?:potassium|sodium|calcium|magnesium|ferrous|ferric|iron|zinc|lithium|aluminum|aluminium)\b/i;
const INERT = /^inert\b/i;

/**
 * The ingredient name of a medicine display, or the display itself when nothing in it looks like a strength,
 * a dose form or a brand (an ingredient coding, or a name typed into the EHR).
 */
export function ingredientName(display: string): string {
  const text = display.trim();
  const brand = /\s*\[([^\]]+)\]\s*$/.exec(text);
  const product = brand ? text.slice(0, brand.index) : text;
  const packed = /^\{(.*)\}\s*\w*\s*pack$/i.exec(product);
  const parts = packed ? [...(packed[1] ?? '').matchAll(/\(([^()]+)\)/g)].map((match) => match[1] ?? '') : [product];
  const names = parts.flatMap((part) => part.replace(LEADING_QUANTITY, '').split(/\s+\/\s+/)).map(ingredientOf);
  const distinct = [...new Set(names.filter((name) => name && !INERT.test(name)))];
  if (distinct.length > 0) return distinct.join(' / ');
  return brand?.[1]?.trim() || text;
}

function ingredientOf(component: string): string {
  let name = ` ${component.trim()}`;
  for (const end of [STRENGTH, DOSE_FORM]) {
    const match = end.exec(name);
    if (match) name = name.slice(0, match.index);
  }
  name = name.trim();
  return MINERAL.test(name) ? name : name.replace(SALT, '').trim();
}

/** Whether a display is already a bare ingredient name: nothing would be taken away from it. */
function isIngredientName(display: string): boolean {
  return ingredientName(display) === display.trim();
}

/**
 * A medicine's name for templates: its listed ingredients' names; else a coding (or the text) that is already a
 * bare name; else the ingredient name of the first display. Undefined when the record has no display at all.
 */
export function medicineName(concept: CodeableConcept | undefined, ingredients: readonly CodeableConcept[]): string | undefined {
  const listed = ingredients.map((ingredient) => nameIn(displaysOf(ingredient))).filter((name) => name !== undefined);
  if (listed.length > 0) return [...new Set(listed)].join(' / ');
  return nameIn(displaysOf(concept));
}

function nameIn(displays: readonly string[]): string | undefined {
  const [first] = displays;
  return displays.find(isIngredientName) ?? (first === undefined ? undefined : ingredientName(first));
}

function displaysOf(concept: CodeableConcept | undefined): string[] {
  return [...(concept?.coding ?? []).map((coding) => coding.display), concept?.text]
    .map((display) => display?.trim())
    .filter((display): display is string => Boolean(display));
}
