/**
 * A patient's preferences on their page: local opt-outs (each with an opt-in form), the next deferred prompt, an
 * opt-out form, and whether they want results by message (with a form to change it).
 */
import type { z } from 'zod';
import type { Preferences } from '../api/patients.ts';
import { facts, field, input, select, table, when } from './components.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';

type Prefs = z.infer<typeof Preferences>;
type OptOut = Prefs['optOuts'][number];

const scope = (campaignId: string | null) => campaignId ?? 'all campaigns';

/** `campaignIds` undefined: the viewer may not change opt-outs, so no forms. */
export function preferencesView(patientId: string, prefs: Prefs, csrf: string, campaignIds: readonly string[] | undefined): Html {
  const action = (name: string) => `/console/patients/${patientId}/${name}`;
  const optIn = (optOut: OptOut) =>
    html`<form method="post" action="${action('opt-in')}" class="inline" aria-label="Opt in to ${scope(optOut.campaignId)}">
${csrfField(csrf)}<input type="hidden" name="campaignId" value="${optOut.campaignId ?? ''}">
<label>Reason <input type="text" name="reason" required maxlength="500"></label> <button type="submit" class="secondary">Opt in</button></form>`;
  const next = prefs.nextDeferred;
  return html`<h2>Opt-outs</h2>
<p class="hint">Recorded here. An opt-out recorded in the EHR (a Consent) is honoured too, and changed there.</p>
${table(
  'Local opt-outs',
  [
    { header: 'Scope', cell: (o) => scope(o.campaignId) },
    { header: 'Since', cell: (o) => when(new Date(o.createdAt)) },
    { header: 'Recorded by', cell: (o) => o.recordedBy },
    { header: 'Reason', cell: (o) => o.reason },
    ...(campaignIds ? [{ header: 'Change', cell: optIn }] : []),
  ],
  prefs.optOuts,
  'No local opt-outs.',
)}
${facts([['Next deferred prompt', next ? html`<a href="/console/prompts/${next.id}">${next.campaignId}</a>, not before ${when(next.notBefore ? new Date(next.notBefore) : null)}` : 'none']])}
${
  campaignIds &&
  html`<form method="post" action="${action('opt-out')}" class="filters" aria-label="Opt out">
${csrfField(csrf)}
${field({
  name: 'campaignId',
  label: 'Opt out of',
  control: select([{ value: '', label: 'All campaigns' }, ...campaignIds.map((id) => ({ value: id, label: id }))]),
})}
${field({ name: 'reason', label: 'Reason', control: input('text', '', 'required maxlength="500" placeholder="phone call"') })}
<div><button type="submit">Opt out</button></div>
</form>`
}
${resultsView(prefs.resultsPreference, action('results-by-message'), csrf, campaignIds !== undefined)}`;
}

function resultsView(preference: Prefs['resultsPreference'], action: string, csrf: string, mayChange: boolean): Html {
  const recorded = preference
    ? html`${preference.byMessage ? 'yes' : 'no'}, since ${when(new Date(preference.recordedAt))} (recorded by ${preference.recordedBy}${preference.note ? `: ${preference.note}` : ''})`
    : 'none recorded here';
  return html`<h2>Results by message</h2>
<p class="hint">Whether a result may be messaged to this patient without a clinician's review (campaigns with resultsMessaging: patient-preference). Recorded here, it overrides a results Consent in the EHR; with neither, such prompts are held for review.</p>
${facts([['Results by message', recorded]])}
${
  mayChange &&
  html`<form method="post" action="${action}" class="filters" aria-label="Results by message">
${csrfField(csrf)}
${field({
  name: 'byMessage',
  label: 'Results by message',
  control: select(
    [
      { value: 'yes', label: 'Yes: the patient wants results by portal message' },
      { value: 'no', label: 'No: a clinician reviews each result message' },
      { value: 'clear', label: 'Clear: the EHR (a results Consent) decides again' },
    ],
    preference?.byMessage ? 'yes' : 'no',
  ),
})}
${field({ name: 'note', label: 'Note', control: input('text', '', 'maxlength="500" placeholder="at the visit"') })}
<div><button type="submit">Record</button></div>
</form>`
}`;
}
