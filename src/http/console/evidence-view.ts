/** The EHR facts stored with a prompt (its `evidence`), as a clinician reads them: resource, codes, dates. */
import { z } from 'zod';
import { facts } from './components.ts';
import { type Html, html } from './html.ts';

// The shape src/triggers/evidence.ts writes; parsed loosely, as older rows may lack a field.
const Evidence = z.object({
  trigger: z
    .object({
      reference: z.string().nullish(),
      status: z.string().nullish(),
      date: z.string().nullish(),
      lastUpdated: z.string().nullish(),
      codings: z.array(z.object({ system: z.string().nullish(), code: z.string().nullish(), display: z.string().nullish() })).default([]),
    })
    .partial()
    .optional(),
  decidedAt: z.string().nullish(),
});

export function evidenceFacts(evidence: unknown): Html {
  const parsed = Evidence.safeParse(evidence);
  if (!parsed.success || !parsed.data.trigger) return html`<p>No triggering facts were recorded.</p>`;
  const { trigger, decidedAt } = parsed.data;
  const codings = (trigger.codings ?? []).map(
    (coding) => html`<li>${coding.display ?? '(no display)'} <span class="hint">${coding.system ?? ''}|${coding.code ?? ''}</span></li>`,
  );
  return facts([
    ['Trigger resource', trigger.reference],
    ['Codes', codings.length > 0 ? html`<ul>${codings}</ul>` : null],
    ['Clinical date', trigger.date],
    ['Status', trigger.status],
    ['Resource last updated', trigger.lastUpdated],
    ['Decided at', decidedAt],
  ]);
}
