/** The campaign pages' views: the list with figures, one campaign with its versions, and the YAML editor. */
import type { z } from 'zod';
import { type Trigger, triggerOf } from '../../campaigns/index.ts';
import type { CampaignDetail, CampaignSummary } from '../api/campaigns.ts';
import type { ApiProblem } from './api.ts';
import { diff, facts, status, table, when } from './components.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';

type Summary = z.infer<typeof CampaignSummary>;
type Detail = z.infer<typeof CampaignDetail>;
type Period = Summary['figures']['today'];

const skippedTitle = (period: Period) =>
  Object.entries(period.skippedByReason)
    .map(([reason, count]) => `${reason}: ${count}`)
    .join('; ');

const figure = (period: Period, key: Exclude<keyof Period, 'skippedByReason'>) => period[key];

export function campaignList(campaigns: readonly Summary[], mayEdit: boolean): Html {
  return html`${mayEdit && html`<p class="actions"><a class="button" href="/console/campaigns/new">New campaign</a></p>`}
${table(
  'Campaigns, with prompts made today (UTC) and in the last 30 days',
  [
    { header: 'Campaign', cell: (c) => html`<a href="/console/campaigns/${c.id}">${c.name}</a><br><span class="hint">${c.id}</span>` },
    { header: 'State', cell: (c) => status(c.active ? 'active' : 'paused') },
    { header: 'Version', cell: (c) => c.version, numeric: true },
    { header: 'Sent today', cell: (c) => figure(c.figures.today, 'sent'), numeric: true },
    { header: 'Sent, 30 days', cell: (c) => figure(c.figures.last30Days, 'sent'), numeric: true },
    { header: 'Deferred', cell: (c) => figure(c.figures.last30Days, 'deferred'), numeric: true },
    {
      header: 'Skipped',
      cell: (c) => html`<span title="${skippedTitle(c.figures.last30Days)}">${figure(c.figures.last30Days, 'skipped')}</span>`,
      numeric: true,
    },
    { header: 'Failed', cell: (c) => figure(c.figures.last30Days, 'failed'), numeric: true },
    { header: 'Pending review', cell: (c) => figure(c.figures.last30Days, 'pendingReview'), numeric: true },
  ],
  campaigns,
  'No campaigns yet.',
)}`;
}

export function campaignPage(campaign: Detail, csrf: string, mayEdit: boolean): Html {
  const { definition } = campaign;
  const periods: Array<[string, Period]> = [
    ['Today (UTC)', campaign.figures.today],
    ['Last 30 days', campaign.figures.last30Days],
  ];
  const action = (name: string, label: string) =>
    html`<form method="post" action="/console/campaigns/${campaign.id}/${name}">${csrfField(csrf)}<button type="submit" class="secondary">${label}</button></form>`;
  return html`${
    mayEdit &&
    html`<div class="actions">
<a class="button" href="/console/campaigns/${campaign.id}/edit">Edit</a>
${campaign.active ? action('pause', 'Pause') : action('activate', 'Activate')}
</div>`
  }
${facts([
  ['State', status(campaign.active ? 'active' : 'paused')],
  ['Id', campaign.id],
  ['Version', campaign.version],
  ['Updated', when(new Date(campaign.updatedAt))],
  [definition.cohort ? 'Cohort' : 'Trigger', describeCodes(triggerOf(definition))],
  ['Template', definition.template],
  ['Review', definition.review],
  ['Schedule', `${definition.schedule.cron} (${definition.schedule.timezone})`],
])}
<h2>Figures</h2>
${table(
  'Prompts by outcome',
  [
    { header: 'Period', cell: ([label]) => label },
    { header: 'Sent', cell: ([, p]) => p.sent, numeric: true },
    { header: 'Queued', cell: ([, p]) => p.queued, numeric: true },
    { header: 'Deferred', cell: ([, p]) => p.deferred, numeric: true },
    { header: 'Pending review', cell: ([, p]) => p.pendingReview, numeric: true },
    { header: 'Failed', cell: ([, p]) => p.failed, numeric: true },
    { header: 'Skipped', cell: ([, p]) => p.skipped, numeric: true },
    { header: 'Skipped by reason', cell: ([, p]) => skippedTitle(p) || '–' },
  ],
  periods,
)}
<h2>Definition</h2>
<pre class="diff">${campaign.yaml}</pre>
<h2>Versions</h2>
${
  campaign.versions.length === 0
    ? html`<p>No versions recorded.</p>`
    : campaign.versions.map(
        (
          version,
        ) => html`<details class="card"><summary>Version ${version.version}, by ${version.actor}, ${when(new Date(version.createdAt))}</summary>
${diff(version.diff)}</details>`,
      )
}`;
}

export const NEW_CAMPAIGN_YAML = `id: my-campaign
name: My campaign
active: false
schedule: { cron: "0 9 * * *", timezone: America/New_York }
trigger:
  resource: Procedure
  codes: ["http://snomed.info/sct|18557009"]
  status: [completed]
  within: P3D
template: wound-care
category: instruction
repeat: once
review: required
`;

/** The YAML editor: checked as one types (the script calls the API's validate), and on save by the server. */
export function campaignEditor(options: { action: string; yaml: string; csrf: string; problem?: ApiProblem }): Html {
  const { action, yaml, csrf, problem } = options;
  const errors = problem?.errors ?? (problem ? [{ field: '', message: problem.detail }] : []);
  const described = 'yaml-hint yaml-errors';
  return html`<form method="post" action="${action}" class="stack">
${csrfField(csrf)}
<div class="field">
<label for="yaml">Campaign YAML</label>
<textarea id="yaml" name="yaml" class="code" spellcheck="false" aria-describedby="${described}"${errors.length > 0 && html` aria-invalid="true"`}
 data-validate="/api/v1/campaigns/validate" data-errors="yaml-errors" data-status="yaml-status">${yaml}</textarea>
<p class="hint" id="yaml-hint">The fields are described in the README ("Campaigns"). Problems are listed below as you type.</p>
<p id="yaml-status" role="status" aria-live="polite">${errors.length > 0 && `${errors.length} problem(s) found`}</p>
<ul class="field-errors" id="yaml-errors">${errors.map(
    (error) =>
      html`<li>${[error.line !== undefined && `line ${error.line}`, error.field].filter(Boolean).join(', ')}${(error.line !== undefined || error.field) && ': '}${error.message}</li>`,
  )}</ul>
</div>
<div><button type="submit">Save campaign</button></div>
</form>`;
}

/** `Condition: sct|44054006, value set http://…` */
function describeCodes(trigger: Trigger): string {
  const named = [...(trigger.codes ?? []), ...(trigger.valueSet ? [`value set ${trigger.valueSet}`] : [])];
  return `${trigger.resource}: ${named.join(', ')}`;
}
