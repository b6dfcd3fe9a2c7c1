/**
 * Trying a campaign from its page: a dry run (counts per outcome and sample messages with the facts behind them)
 * and a preview of its message for one patient. Both are read-only, so both forms stay on the campaign page.
 */
import type { z } from 'zod';
import type { DryRunReport } from '../../pipeline/index.ts';
import { MAX_SAMPLES, type Preview } from '../api/campaigns.ts';
import type { ApiProblem } from './api.ts';
import { facts, field, input, table, when } from './components.ts';
import { evidenceFacts } from './evidence-view.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';

export interface TrialValues {
  samples?: string;
  patient?: string;
  /** Problems with the form's fields, by field name. */
  errors?: Record<string, string[]>;
}

export function trialForms(campaignId: string, csrf: string, values: TrialValues = {}): Html {
  const errors = values.errors ?? {};
  return html`<h2>Try it</h2>
<p class="hint">Both read the FHIR server now and write nothing.</p>
<form method="post" action="/console/campaigns/${campaignId}/dry-run" class="filters" aria-label="Dry run">
${csrfField(csrf)}
${field({ name: 'samples', label: 'Sample messages', control: input('number', values.samples ?? '3', html`min="0" max="${MAX_SAMPLES}" required`), ...(errors.samples ? { errors: errors.samples } : {}) })}
<div><button type="submit">Dry run</button></div>
</form>
<form method="post" action="/console/campaigns/${campaignId}/preview" class="filters" aria-label="Preview for a patient">
${csrfField(csrf)}
${field({ name: 'patient', label: 'Patient id', control: input('text', values.patient ?? '', 'placeholder="Patient/123" required'), ...(errors.patient ? { errors: errors.patient } : {}) })}
<div><button type="submit">Preview</button></div>
</form>`;
}

export function dryRunView(report: DryRunReport): Html {
  const { counts } = report;
  const rows: Array<[string, string, number]> = [
    ['Send now', '', counts.send],
    ['Held for review', '', counts.review],
    ...counts.defer.map(({ notBefore, count }): [string, string, number] => ['Deferred', `until ${notBefore}`, count]),
    ...counts.skip.map(({ reason, count }): [string, string, number] => ['Skipped', reason, count]),
  ];
  return html`<h2>Dry run</h2>
${facts([
  ['As of', when(new Date(report.asOf))],
  ['Matching resources', report.matched.candidates],
  ['Patients', report.matched.patients],
  ['Search pages', report.search.pages],
  ['Unusable resources', report.search.unusable],
])}
${table(
  'What would become of each matching resource',
  [
    { header: 'Outcome', cell: ([outcome]) => outcome },
    { header: 'Detail', cell: ([, detail]) => detail || '–' },
    { header: 'Count', cell: ([, , count]) => count, numeric: true },
  ],
  rows,
  'Nothing matches the campaign now.',
)}
<h2>Sample messages</h2>
${
  report.samples.length === 0
    ? html`<p>No message would be written.</p>`
    : report.samples.map(
        (
          sample,
        ) => html`<section class="card"><h3>${sample.patientRef}: ${sample.outcome}${sample.notBefore ? ` until ${sample.notBefore}` : ''}</h3>
<pre class="message">${sample.text}</pre>
${evidenceFacts({ trigger: sample.trigger })}</section>`,
      )
}`;
}

export function previewView(
  patientId: string,
  result: { ok: true; value: z.infer<typeof Preview> } | { ok: false; problem: ApiProblem },
): Html {
  if (!result.ok) return html`<h2>Preview for Patient/${patientId}</h2><p role="alert">No message: ${result.problem.detail}</p>`;
  const { value } = result;
  return html`<h2>Preview for Patient/${patientId}</h2>
${facts([
  ['Trigger', value.triggerRef],
  ['Language', value.language],
  ['Template version', value.templateVersion],
])}
<pre class="message">${value.text}</pre>`;
}
