/**
 * FHIR R4 datatypes careprompt reads, as zod schemas. Unknown fields pass through untouched; the fields we rely
 * on are checked. A file of their own, so `triggers` can build its resources on them without importing the
 * rest of `fhir` (whose patient context imports `triggers`).
 */
import { z } from 'zod';

export const Coding = z.looseObject({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
export const CodeableConcept = z.looseObject({
  coding: z.array(Coding).optional(),
  text: z.string().optional(),
});
export const Reference = z.looseObject({
  reference: z.string().optional(),
  display: z.string().optional(),
});
export const Period = z.looseObject({ start: z.string().optional(), end: z.string().optional() });
export const Extension = z.looseObject({ url: z.string(), valueCode: z.string().optional() });

/** The fields every resource careprompt reads has. */
export const ResourceBase = {
  id: z.string().min(1),
  meta: z.looseObject({ lastUpdated: z.string().optional(), versionId: z.string().optional() }).optional(),
};

export type Coding = z.infer<typeof Coding>;
export type CodeableConcept = z.infer<typeof CodeableConcept>;
export type Reference = z.infer<typeof Reference>;

/** A measured amount; `code` is the UCUM unit when `system` is UCUM, `unit` the text shown. */
export const Quantity = z.looseObject({
  value: z.number().optional(),
  comparator: z.string().optional(),
  unit: z.string().optional(),
  system: z.string().optional(),
  code: z.string().optional(),
});
export type Quantity = z.infer<typeof Quantity>;
