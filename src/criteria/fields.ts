/** Field validators shared by the campaign file and its criteria: durations, coded values, value set URLs. */
import { z } from 'zod';
import { DURATION_HINT, MAX_DURATION, parseDurationMs } from '../time/index.ts';

export const duration = z.string().superRefine((text, ctx) => {
  const ms = parseDurationMs(text) ?? 0;
  if (!(ms > 0)) ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT}` });
  else if (ms > MAX_DURATION.ms) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at most ${MAX_DURATION.text} (${MAX_DURATION.words}): write a shorter duration, e.g. P365D`,
    });
  }
});

export const codeToken = z.string().regex(/^[^|\s]+\|[^|\s]+$/, {
  message: 'must be "system|code", e.g. "http://snomed.info/sct|18557009"',
});

/** A ValueSet's canonical URL (an optional `|version` is not accepted: the expansion's version is recorded instead). */
export const valueSetUrl = z.string().regex(/^(https?:\/\/|urn:)[^\s|]+$/, {
  message: 'must be a ValueSet canonical URL, e.g. "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.103.12.1001"',
});
