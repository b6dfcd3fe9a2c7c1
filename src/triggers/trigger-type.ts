/**
 * What careprompt knows about one kind of resource that can trigger a campaign; each module of this folder
 * (condition.ts, procedure.ts, …) is one, and the registry (index.ts) lists them.
 *
 * Glossary
 * - clinical date: when it happened clinically (onset, performed, authored, effective), not when the record
 *   changed; FHIR dateTime text, possibly partial (`2024-03`).
 * - status: what a campaign's `trigger.status` lists: a Condition's clinicalStatus code, the others' `status`.
 * - untrusted: recorded, but not the patient's (a Condition entered in error or refuted): it never triggers a
 *   prompt whatever its status, and never appears in a template's lists.
 * - concept: what the resource is about (a Condition's code, a medication); its codings are matched against a
 *   campaign's codes and its display is what templates show.
 * - template list: the list of the template context (`conditions`, `medications`, `procedures`) that the
 *   patient's records of this type join when `listed`; types without one appear only as the trigger.
 */
import type { z } from 'zod';
import type { CodeableConcept, Reference } from '../fhir/datatypes.ts';

/** The lists of the template context that records join (see render/facts.ts). */
export type TemplateList = 'conditions' | 'medications' | 'procedures';

/** The search parameter names a poll of this type sends, by role. */
export interface TriggerSearchParameterNames {
  code: string;
  status: string;
  /**
   * The date parameter a due window maps onto (`ge`/`le` bounds); absent when the clinical date cannot be
   * searched with one parameter, and eligibility then applies the window alone.
   */
  date?: string;
}

/** The fields the registry relies on in every trigger resource. */
interface TriggerRecord {
  resourceType: string;
  id: string;
  subject: Reference;
  meta?: { lastUpdated?: string | undefined } | undefined;
}

/**
 * One trigger type. Methods (not function-valued fields) on purpose: a `TriggerType<typeof Condition>` is then
 * usable where any trigger type is expected, and the registry only ever hands a resource to its own type.
 */
export interface TriggerType<Schema extends z.ZodType<TriggerRecord>> {
  readonly resourceType: z.infer<Schema>['resourceType'];
  readonly schema: Schema;
  /** The codes FHIR R4 allows for the status (a required binding): a campaign listing any other matches nothing. */
  readonly statuses: readonly string[];
  readonly search: Readonly<TriggerSearchParameterNames>;
  /** The parameter a campaign's codes are searched with, when it depends on the codes (undefined: none fits them all). */
  codeParameterFor?(codes: readonly string[]): string | undefined;
  conceptOf(resource: z.infer<Schema>): CodeableConcept | undefined;
  /**
   * A medicine's ingredients where the record lists them (a contained Medication), `[]` where it does not;
   * undefined for what is not a medicine. Templates name a medicine by its ingredients (render/facts.ts).
   */
  ingredientsOf(resource: z.infer<Schema>): CodeableConcept[] | undefined;
  clinicalDateOf(resource: z.infer<Schema>): string | undefined;
  statusOf(resource: z.infer<Schema>): string | undefined;
  /** Why the resource is not the patient's (`verificationStatus refuted`), or undefined when it is. */
  untrustedBecause(resource: z.infer<Schema>): string | undefined;
  /** The Condition a prompt about it is about (`Condition/1`), if any: shown as the message's reason. */
  reasonOf(resource: z.infer<Schema>): string | undefined;
  /**
   * A patient may have thousands of these (every vital sign, every lab): a context loads only the records with the
   * codes its campaigns read, searched by `search.code`, which must match exactly the codings `conceptOf` gives.
   */
  readonly loadedByCode?: true;
  /** Absent for types no template list shows (Observations, Encounters): templates see them only as the trigger. */
  readonly template?: {
    readonly list: TemplateList;
    /** Whether the record belongs in its template list (an active medication, a completed procedure). */
    listed(resource: z.infer<Schema>): boolean;
  };
}

/** The first Condition among a resource's `reasonReference`s. */
export function conditionReasonOf(resource: { reasonReference?: Reference[] | undefined }): string | undefined {
  return resource.reasonReference?.map((ref) => ref.reference).find((ref) => ref?.startsWith('Condition/'));
}

/** For the types that are not medicines: their concept's display is their name. */
export function notAMedicine(): undefined {
  return undefined;
}

/** Nothing marks these types as recorded in error: trust follows their status, which campaigns choose. */
export function alwaysTrusted(): undefined {
  return undefined;
}
