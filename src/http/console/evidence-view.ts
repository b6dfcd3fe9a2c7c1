/**
 * The EHR facts stored with a prompt (its `evidence`), as a clinician reads them: resource, codes, dates, and for a
 * campaign with criteria, each criterion with whether it held and what decided it.
 */
import { z } from 'zod';
import { CriteriaFacts } from '../../pipeline/index.ts';
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
  criteria: CriteriaFacts.optional().catch(undefined),
  valueSets: z
    .array(z.object({ url: z.string(), version: z.string().nullable(), source: z.string() }))
    .optional()
    .catch(undefined),
});

type Node = NonNullable<z.infer<typeof CriteriaFacts>['when']>;

/** One criterion and its children, as a nested list; "held" / "did not hold" in words, not only a mark. */
function criterionItem(node: Node, label?: string): Html {
  const children = node.children?.length ? html`<ul>${node.children.map((child) => criterionItem(child))}</ul>` : html``;
  return html`<li>${label ? html`<strong>${label}</strong>: ` : html``}${node.criterion} — <em>${node.held ? 'held' : 'did not hold'}</em> <span class="hint">${node.because}</span>${children}</li>`;
}

function criteriaFacts(criteria: z.infer<typeof CriteriaFacts> | undefined): Html | null {
  if (!criteria || (!criteria.when && !criteria.exclude)) return null;
  const items = [
    ...(criteria.when ? [criterionItem(criteria.when, 'When')] : []),
    ...(criteria.exclude ?? []).map((exclusion) => criterionItem(exclusion, `Exclude (${exclusion.reason})`)),
  ];
  return html`<ul class="criteria">${items}</ul>`;
}

export function evidenceFacts(evidence: unknown): Html {
  const parsed = Evidence.safeParse(evidence);
  if (!parsed.success || !parsed.data.trigger) return html`<p>No triggering facts were recorded.</p>`;
  const { trigger, decidedAt, criteria, valueSets } = parsed.data;
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
    ['Criteria', criteriaFacts(criteria)],
    [
      'Value sets',
      valueSets?.length
        ? html`<ul>${valueSets.map((set) => html`<li>${set.url} <span class="hint">version ${set.version ?? 'not stated'}, from ${set.source === 'file' ? 'a local file' : 'the FHIR server'}</span></li>`)}</ul>`
        : null,
    ],
  ]);
}
