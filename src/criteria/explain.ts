/**
 * Criteria evaluated over a patient's record (pure), each answer explained: which criterion held, which did not,
 * and what in the record decided it (a reference and date, never a value beyond what the criterion tests). The
 * explanation is stored with the prompt and shown by the dry run, so a clinician can see why.
 */
import type { Patient } from '../fhir/index.ts';
import { parseDurationMs } from '../time/index.ts';
import { clinicalDateOf, codingsOf, statusOf, type TriggerResource, untrustedBecause } from '../triggers/index.ts';
import { codingMatches, type Expansions } from './codes.ts';
import type { Criterion, RecordMatch } from './schema.ts';
import { testValue } from './value-test.ts';

export interface Explanation {
  /** The criterion in words: `lacks Observation http://loinc.org|4548-4 within P180D`. */
  criterion: string;
  held: boolean;
  /** What decided it: `found Observation/12 (2026-10-01)`, `none found`, `age 54`. */
  because: string;
  children?: Explanation[];
}

/** What criteria read: the Patient's demographics and the records loaded for the campaign. */
export interface PatientRecord {
  patient: Pick<Patient, 'birthDate' | 'gender'>;
  records: readonly TriggerResource[];
}

export interface CriteriaScope {
  now: Date;
  expansions: Expansions;
}

/** Statuses that say it did not happen (or was recorded by mistake): without a `status:` list, never a match. */
const VOID_STATUSES = new Set(['entered-in-error', 'not-done', 'cancelled']);

/** How many near misses (right code, wrong value or unit) an explanation names. */
const NEAR_MISSES = 3;

export function explain(criterion: Criterion, record: PatientRecord, scope: CriteriaScope): Explanation {
  if (criterion.all)
    return combine(
      'all of',
      criterion.all.map((child) => explain(child, record, scope)),
      'all',
    );
  if (criterion.any)
    return combine(
      'any of',
      criterion.any.map((child) => explain(child, record, scope)),
      'any',
    );
  if (criterion.not) {
    const inner = explain(criterion.not, record, scope);
    return {
      criterion: 'not',
      held: !inner.held,
      because: inner.held ? 'the criterion held' : 'the criterion did not hold',
      children: [inner],
    };
  }
  if (criterion.has) return hasOrLacks('has', criterion.has, record, scope);
  if (criterion.lacks) return hasOrLacks('lacks', criterion.lacks, record, scope);
  if (criterion.age) return ageCriterion(criterion.age, record.patient, scope.now);
  if (criterion.gender) return genderCriterion(criterion.gender, record.patient);
  throw new Error('A criterion has exactly one operator (the schema checks it)');
}

function combine(label: string, children: Explanation[], mode: 'all' | 'any'): Explanation {
  const heldCount = children.filter((child) => child.held).length;
  const held = mode === 'all' ? heldCount === children.length : heldCount > 0;
  return { criterion: label, held, because: `${heldCount} of ${children.length} held`, children };
}

function hasOrLacks(operator: 'has' | 'lacks', match: RecordMatch, record: PatientRecord, scope: CriteriaScope): Explanation {
  const { found, nearMisses } = matchingRecords(match, record.records, scope);
  const criterion = `${operator} ${describeMatch(match)}`;
  const seen = found[0] ? `found ${referenceAndDate(found[0])}${found.length > 1 ? ` and ${found.length - 1} more` : ''}` : 'none found';
  const misses = found.length === 0 && nearMisses.length > 0 ? `; ${nearMisses.slice(0, NEAR_MISSES).join('; ')}` : '';
  return { criterion, held: operator === 'has' ? found.length > 0 : found.length === 0, because: seen + misses };
}

/**
 * The records the match names, newest first as loaded; near misses are records with the right code, status and
 * date whose value fails (or cannot be compared), named so an unconvertible unit is visible.
 */
function matchingRecords(match: RecordMatch, records: readonly TriggerResource[], scope: CriteriaScope) {
  const withinMs = match.within ? parseDurationMs(match.within) : undefined;
  const from = withinMs === undefined ? undefined : scope.now.getTime() - withinMs;
  const found: TriggerResource[] = [];
  const nearMisses: string[] = [];
  for (const resource of records) {
    if (resource.resourceType !== match.resource || untrustedBecause(resource) !== undefined) continue;
    if (!codingMatches(codingsOf(resource), match, scope.expansions)) continue;
    const status = statusOf(resource);
    if (match.status ? !status || !match.status.includes(status) : VOID_STATUSES.has(status ?? '')) continue;
    if (from !== undefined) {
      const time = Date.parse(clinicalDateOf(resource) ?? '');
      if (Number.isNaN(time) || time < from || time > scope.now.getTime()) continue;
    }
    // The schema allows a value test on Observation matches only; the check narrows the type.
    if (match.value && resource.resourceType === 'Observation') {
      const value = testValue(resource, match.value);
      if (!value.held) {
        nearMisses.push(`${referenceAndDate(resource)}: ${value.because}`);
        continue;
      }
    }
    found.push(resource);
  }
  return { found, nearMisses };
}

function ageCriterion(range: NonNullable<Criterion['age']>, patient: PatientRecord['patient'], now: Date): Explanation {
  const criterion = `age ${range.min ?? 0}${range.max === undefined ? '+' : `–${range.max}`}`;
  const age = patient.birthDate ? ageOn(patient.birthDate, now) : undefined;
  if (age === undefined) return { criterion, held: false, because: 'no usable birthDate' };
  const held = (range.min === undefined || age >= range.min) && (range.max === undefined || age <= range.max);
  return { criterion, held, because: `age ${age}` };
}

/** Whole years at `now` (UTC calendar), from a FHIR date (`1970`, `1970-04`, `1970-04-12`; partial dates read as their first day). */
export function ageOn(birthDate: string, now: Date): number | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(birthDate);
  if (!match) return undefined;
  const [year, month = 1, day = 1] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as [
    number,
    number?,
    number?,
  ];
  const beforeBirthday = now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  const age = now.getUTCFullYear() - year - (beforeBirthday ? 1 : 0);
  return age >= 0 ? age : undefined;
}

function genderCriterion(wanted: NonNullable<Criterion['gender']>, patient: PatientRecord['patient']): Explanation {
  const list = Array.isArray(wanted) ? wanted : [wanted];
  const gender = patient.gender;
  return {
    criterion: `gender ${list.join(' or ')}`,
    held: gender !== undefined && list.includes(gender as never),
    because: `gender ${gender ?? 'not recorded'}`,
  };
}

/** `Observation http://loinc.org|4548-4, value set <url>, status final, within P180D, value ≥ 9 %` */
function describeMatch(match: RecordMatch): string {
  const parts = [
    ...(match.codes ?? []),
    ...(match.valueSet ? [`value set ${match.valueSet}`] : []),
    ...(match.status ? [`status ${match.status.join('/')}`] : []),
    ...(match.within ? [`within ${match.within}`] : []),
    ...(match.value ? [`value ${describeValueTest(match.value)}`] : []),
  ];
  return `${match.resource} ${parts.join(', ')}`;
}

const SYMBOLS = { gt: '>', ge: '≥', lt: '<', le: '≤' } as const;

function describeValueTest(test: NonNullable<RecordMatch['value']>): string {
  return (Object.keys(SYMBOLS) as Array<keyof typeof SYMBOLS>)
    .flatMap((comparator) => (test[comparator] === undefined ? [] : [`${SYMBOLS[comparator]} ${test[comparator]} ${test.unit}`]))
    .join(' and ');
}

function referenceAndDate(resource: TriggerResource): string {
  const date = clinicalDateOf(resource);
  return `${resource.resourceType}/${resource.id}${date ? ` (${date.slice(0, 10)})` : ''}`;
}
