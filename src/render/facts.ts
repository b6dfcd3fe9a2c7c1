/**
 * The few facts templates use, pulled out of FHIR resources. Displays come from the data only
 * (coding.display, then code.text): a code is never turned into words here.
 */
import {
  type CodeableConcept,
  type Condition,
  clinicalDateOf,
  type Patient,
  type PatientContext,
  type TriggerResource,
  untrustedVerificationOf,
} from '../fhir/index.ts';
import { isIanaTimezone } from '../time/index.ts';
import { ClinicalDate, canonicalLanguage, type Fact, type TemplateInput } from './context.ts';

export type PatientFacts = Pick<TemplateInput, 'patient' | 'trigger' | 'conditions' | 'medications' | 'procedures'>;

const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';
const ACTIVE_CLINICAL_STATUS = new Set(['active', 'recurrence', 'relapse']);
/** Name uses that are not how the patient is addressed today. */
const RETIRED_NAME_USES = new Set(['old', 'maiden', 'anonymous']);
const MS_PER_DAY = 86_400_000;

type HumanName = NonNullable<Patient['name']>[number];

export function factsFromPatientContext(
  ctx: PatientContext,
  trigger: TriggerResource,
  /** recentProcedureDays: procedures completed within this many days before `now` are listed (configuration). */
  options: { defaultTimezone: string; now: Date; recentProcedureDays: number },
): PatientFacts {
  const name = nameToUse(ctx.patient, options.now);
  const recentSince = options.now.getTime() - options.recentProcedureDays * MS_PER_DAY;
  const { display, code, system } = conceptFacts(conceptOf(trigger));
  return {
    patient: {
      firstName: text(name?.given?.[0]),
      lastName: text(name?.family),
      language: preferredLanguage(ctx.patient),
      timezone: timeZoneOf(ctx.patient) ?? options.defaultTimezone,
    },
    trigger: { resourceType: trigger.resourceType, display, code, system, date: dateOf(trigger) },
    conditions: distinct(newestFirst(ctx.conditions.filter(isActive).map(fact))),
    medications: distinct(newestFirst(ctx.medications.filter((medication) => medication.status === 'active').map(fact))),
    procedures: newestFirst(
      ctx.procedures
        .filter((procedure) => procedure.status === 'completed')
        .map(fact)
        .filter((procedure) => procedure.date !== undefined && Date.parse(procedure.date) >= recentSince),
    ),
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

function preferredLanguage(patient: Patient): string | undefined {
  const communication = patient.communication?.find((entry) => entry.preferred) ?? patient.communication?.[0];
  const code = communication?.language.coding?.find((coding) => coding.code)?.code;
  return code ? canonicalLanguage(code) : undefined;
}

function timeZoneOf(patient: Patient): string | undefined {
  const zone = patient.extension?.find((extension) => extension.url === TIMEZONE_EXTENSION)?.valueCode;
  return zone && isIanaTimezone(zone) ? zone : undefined;
}

function isActive(condition: Condition): boolean {
  const active = (condition.clinicalStatus?.coding ?? []).some((coding) => ACTIVE_CLINICAL_STATUS.has(coding.code ?? ''));
  return active && untrustedVerificationOf(condition) === undefined;
}

function fact(resource: TriggerResource): Fact {
  const { display, code } = conceptFacts(conceptOf(resource));
  return { display, code, date: dateOf(resource) };
}

function conceptOf(resource: TriggerResource): CodeableConcept | undefined {
  return resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement'
    ? resource.medicationCodeableConcept
    : resource.code;
}

function conceptFacts(concept: CodeableConcept | undefined) {
  const coded = concept?.coding?.find((coding) => text(coding.code));
  return {
    display: text(concept?.coding?.find((coding) => text(coding.display))?.display) ?? text(concept?.text),
    code: text(coded?.code),
    system: text(coded?.system),
  };
}

/** The clinically meaningful date, kept only at day precision or better (a bare year says too little). */
function dateOf(resource: TriggerResource): string | undefined {
  const date = clinicalDateOf(resource);
  return ClinicalDate.safeParse(date).success ? date : undefined;
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
