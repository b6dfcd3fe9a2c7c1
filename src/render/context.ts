/**
 * What a template can see. Input is facts already pulled out of FHIR (see facts.ts), so templates and
 * helpers never parse resources. Validation errors name the field, never its value.
 */
import { z } from 'zod';
import { isIanaTimezone } from '../time/index.ts';

/** Day precision or better: a FHIR date `2026-11-24` or a dateTime with an offset. */
export const ClinicalDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export function canonicalLanguage(tag: string): string | undefined {
  // Intl throws on malformed BCP 47 tags; a bad tag means "no preference", not a failed render.
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

const Fact = z.object({
  /** The name a patient knows it by: a medicine's ingredients ("atorvastatin"), else the display as coded. */
  display: z.string().optional(),
  /** The display as coded ("atorvastatin 10 MG Oral Tablet"). */
  fullDisplay: z.string().optional(),
  code: z.string().optional(),
  date: ClinicalDate.optional(),
});

export const TemplateInput = z.object({
  patient: z.object({
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    language: z
      .string()
      .refine((tag) => canonicalLanguage(tag) !== undefined, 'not a BCP 47 language tag')
      .optional(),
    timezone: z.string().refine(isIanaTimezone, 'not an IANA time zone'),
  }),
  trigger: z.object({
    resourceType: z.string(),
    code: z.string().optional(),
    system: z.string().optional(),
    display: z.string().optional(),
    fullDisplay: z.string().optional(),
    date: ClinicalDate.optional(),
    /** An Observation's value as a patient reads it ("9.4 %"); present only when the campaign allows it (`allowValueInMessage`). */
    value: z.string().optional(),
  }),
  conditions: z.array(Fact),
  medications: z.array(Fact),
  procedures: z.array(Fact),
  org: z.object({ name: z.string(), replyTime: z.string(), phone: z.string().optional() }),
  campaign: z.object({ id: z.string(), name: z.string() }),
  now: z.date(),
});

export type TemplateInput = z.infer<typeof TemplateInput>;
export type Fact = z.infer<typeof Fact>;

/** The root object a template renders against; `now` becomes ISO text so helpers can read it like any date. */
export type TemplateContext = Omit<TemplateInput, 'now'> & { now: string };

/** Validates the facts (throws a ZodError naming the field) and shapes them for templates. */
export function buildTemplateContext(input: TemplateInput): TemplateContext {
  const parsed = TemplateInput.parse(input);
  const language = parsed.patient.language && canonicalLanguage(parsed.patient.language);
  return {
    ...parsed,
    patient: { ...parsed.patient, ...(language ? { language } : {}) },
    now: parsed.now.toISOString(),
  };
}
