/**
 * The few facts templates use, pulled out of FHIR resources. Displays come from the data only
 * (coding.display, then code.text): a code is never turned into words here. A medicine's display is the name
 * a patient knows it by, its ingredients (ingredient-name.ts); `fullDisplay` keeps the display as coded.
 */
import type { CodeableConcept, Patient, PatientContext } from '../fhir/index.ts';
import { isIanaTimezone } from '../time/index.ts';
import { clinicalDateOf, ingredientsOf, isListedIn, type TemplateList, type TriggerResource, triggerTypeOf } from '../triggers/index.ts';
import { ClinicalDate, canonicalLanguage, type Fact, type TemplateInput } from './context.ts';
import { medicineName } from './ingredient-name.ts';

export type PatientFacts = Pick<TemplateInput, 'patient' | 'trigger' | 'conditions' | 'medications' | 'procedures'>;

const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';
/** Name uses that are not how the patient is addressed today. */
const RETIRED_NAME_USES = new Set(['old', 'maiden', 'anonymous']);
const MS_PER_DAY = 86_400_000;

type HumanName = NonNullable<Patient['name']>[number];

export function factsFromPatientContext(
  ctx: PatientContext,
  trigger: TriggerResource,
  /**
   * recentProcedureDays: procedures completed within this many days before `now` are listed (configuration);
   * showValue: the trigger's value is given to the template (the campaign's `allowValueInMessage`), its number
   * written as `language` writes numbers (the template's: 9.4 in English, 9,4 in Spanish).
   */
  options: {
    defaultTimezone: string;
    now: Date;
    recentProcedureDays: number;
    showValue?: boolean | undefined;
    language?: string | undefined;
  },
): PatientFacts {
  const name = nameToUse(ctx.patient, options.now);
  const recentSince = options.now.getTime() - options.recentProcedureDays * MS_PER_DAY;
  const { display, fullDisplay, code, system } = conceptFacts(trigger);
  // Every list the trigger types fill, so a new one cannot be left out of the template context unnoticed.
  const lists: Record<TemplateList, Fact[]> = {
    conditions: distinct(newestFirst(listed(ctx, 'conditions'))),
    medications: distinct(newestFirst(listed(ctx, 'medications'))),
    procedures: newestFirst(listed(ctx, 'procedures').filter((fact) => fact.date !== undefined && Date.parse(fact.date) >= recentSince)),
  };
  return {
    patient: {
      firstName: text(name?.given?.[0]),
      lastName: text(name?.family),
      language: preferredLanguage(ctx.patient),
      timezone: timeZoneOf(ctx.patient) ?? options.defaultTimezone,
    },
    trigger: {
      resourceType: trigger.resourceType,
      display,
      fullDisplay,
      code,
      system,
      date: dateOf(trigger),
      ...(options.showValue ? { value: resultValueOf(trigger, options.language ?? 'en') } : {}),
    },
    ...lists,
  };
}

/** The official name if it is current, else the first current name the patient still goes by. */
function nameToUse(patient: Patient, now: Date): HumanName | undefined {
  const current = (patient.name ?? []).filter(
    (name) =>
      !RETIRED_NAME_USES.has(name.use ?? '') &&
      !(name.period?.end && Date.parse(name.period.end) < now.getTime()) &&
      !(name.period?.start && Date.parse(name.period.start) > now.getTime()),
  );
  return current.find((name) => name.use === 'official') ?? current[0];
}

/** The patient's preferred language (canonical BCP 47), if the record states one. */
export function preferredLanguage(patient: Patient): string | undefined {
  const communication = patient.communication?.find((entry) => entry.preferred) ?? patient.communication?.[0];
  const code = communication?.language.coding?.find((coding) => coding.code)?.code;
  return code ? canonicalLanguage(code) : undefined;
}

function timeZoneOf(patient: Patient): string | undefined {
  const zone = patient.extension?.find((extension) => extension.url === TIMEZONE_EXTENSION)?.valueCode;
  return zone && isIanaTimezone(zone) ? zone : undefined;
}

/** The facts of the patient's records that the trigger types put in this list (which statuses count is theirs). */
function listed(ctx: PatientContext, list: TemplateList): Fact[] {
  return ctx.records.filter((resource) => isListedIn(list, resource)).map(fact);
}

function fact(resource: TriggerResource): Fact {
  const { display, fullDisplay, code } = conceptFacts(resource);
  return { display, fullDisplay, code, date: dateOf(resource) };
}

function conceptFacts(resource: TriggerResource) {
  const concept: CodeableConcept | undefined = triggerTypeOf(resource).conceptOf(resource);
  const coded = concept?.coding?.find((coding) => text(coding.code));
  const fullDisplay = text(concept?.coding?.find((coding) => text(coding.display))?.display) ?? text(concept?.text);
  const ingredients = ingredientsOf(resource);
  return {
    display: ingredients ? medicineName(concept, ingredients) : fullDisplay,
    fullDisplay,
    code: text(coded?.code),
    system: text(coded?.system),
  };
}

/** The clinically meaningful date, kept only at day precision or better (a bare year says too little). */
function dateOf(resource: TriggerResource): string | undefined {
  const date = clinicalDateOf(resource);
  return ClinicalDate.safeParse(date).success ? date : undefined;
}

/**
 * A result's value as it was reported, its number as the language writes numbers and the unit as the lab wrote it for
 * people ("9.4 %", "9,4 %", "<5 mmol/L"). Every reported digit is kept; no thousands separator (lab values have none).
 */
function resultValueOf(resource: TriggerResource, language: string): string | undefined {
  const quantity = resource.resourceType === 'Observation' ? resource.valueQuantity : undefined;
  if (quantity?.value === undefined) return undefined;
  const unit = text(quantity.unit) ?? text(quantity.code);
  const number = new Intl.NumberFormat(language, { useGrouping: false, maximumFractionDigits: 20 }).format(quantity.value);
  return `${quantity.comparator ?? ''}${number}${unit ? ` ${unit}` : ''}`;
}

function newestFirst(facts: Fact[]): Fact[] {
  const time = (fact: Fact) => (fact.date ? Date.parse(fact.date) : Number.NEGATIVE_INFINITY);
  return facts.toSorted((a, b) => time(b) - time(a) || 0);
}

/** One entry per thing: a refill or a second coding of the same diagnosis is not a second item in a list. */
function distinct(facts: Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((fact) => {
    const key = fact.display ?? fact.code ?? '';
    if (key && seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
