/**
 * Outreach: find prompts by patient, campaign, status and dates (a POST form, so a patient never appears in a
 * URL), and a prompt's page: its text, provenance and timeline.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PROMPT_STATUSES } from '../../store/index.ts';
import { EVERYONE } from '../access.ts';
import { CampaignSummary } from '../api/campaigns.ts';
import { PromptPage } from '../api/outreach.ts';
import { PromptId, PromptSummary } from '../api/schemas.ts';
import type { Api, ApiProblem } from './api.ts';
import { facts, field, input, select, status, table, when } from './components.ts';
import { evidenceFacts } from './evidence-view.ts';
import { dayStart } from './form.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';
import type { Pages } from './respond.ts';

type Summary = z.infer<typeof PromptSummary>;
const Prompts = z.object({ prompts: z.array(PromptSummary) });
const Campaigns = z.object({ campaigns: z.array(CampaignSummary) });

/** The search form as typed: empty fields mean "any"; dates are whole days (UTC). */
const SearchForm = z.object({
  patient: z.string().trim().default(''),
  campaignId: z.string().default(''),
  status: z.string().default(''),
  from: z.string().default(''),
  to: z.string().default(''),
});
type SearchForm = z.infer<typeof SearchForm>;
const EMPTY_SEARCH: SearchForm = { patient: '', campaignId: '', status: '', from: '', to: '' };

export function outreachPages(api: Api, pages: Pages): FastifyPluginAsync {
  const route = { config: { roles: EVERYONE }, schema: { hide: true } };

  async function searchPage(request: FastifyRequest, reply: FastifyReply, form: SearchForm) {
    const campaigns = await api.call(request, 'GET', '/api/v1/campaigns', Campaigns);
    if (!campaigns.ok) return pages.problem(request, reply, campaigns.problem);
    const found = await api.call(request, 'POST', '/api/v1/outreach/search', Prompts, searchBody(form));
    const body = html`${searchForm(form, campaigns.value.campaigns, pages.csrf(request), found.ok ? undefined : found.problem)}
${found.ok && promptTable('Prompts found, newest first', found.value.prompts)}`;
    return pages.send(request, reply, { title: 'Outreach', section: 'outreach', body }, found.ok ? 200 : found.problem.status);
  }

  return async (app) => {
    app.get('/console/outreach', route, (request, reply) => searchPage(request, reply, EMPTY_SEARCH));
    app.post('/console/outreach', route, (request, reply) => searchPage(request, reply, SearchForm.parse(request.body)));

    app.get('/console/prompts/:id', { ...route, schema: { hide: true, params: z.object({ id: PromptId }) } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const result = await api.call(request, 'GET', `/api/v1/prompts/${id}`, PromptPage);
      if (!result.ok) return pages.problem(request, reply, result.problem);
      return pages.send(request, reply, {
        title: `Prompt to ${result.value.patientRef}`,
        section: 'outreach',
        body: promptPage(result.value),
      });
    });
  };
}

/** The API's search body: only the fields given; a bare patient id is taken as Patient/<id>. */
function searchBody(form: SearchForm): Record<string, string> {
  const patientRef = form.patient === '' ? undefined : form.patient.startsWith('Patient/') ? form.patient : `Patient/${form.patient}`;
  return {
    ...(patientRef ? { patientRef } : {}),
    ...(form.campaignId ? { campaignId: form.campaignId } : {}),
    ...(form.status ? { status: form.status } : {}),
    ...(form.from ? { from: dayStart(form.from) } : {}),
    // "To" a day includes that day.
    ...(form.to ? { to: dayStart(form.to, 1) } : {}),
  };
}

function searchForm(form: SearchForm, campaigns: ReadonlyArray<{ id: string; name: string }>, csrf: string, problem?: ApiProblem): Html {
  const errorsOf = (name: string) => (problem?.errors ?? []).filter((error) => error.field.endsWith(name)).map((error) => error.message);
  return html`<form method="post" action="/console/outreach" class="filters" role="search" aria-label="Find prompts">
${csrfField(csrf)}
${field({ name: 'patient', label: 'Patient id', control: input('text', form.patient, 'placeholder="Patient/123"'), errors: errorsOf('patientRef') })}
${field({ name: 'campaignId', label: 'Campaign', control: select([{ value: '', label: 'Any' }, ...campaigns.map((c) => ({ value: c.id, label: c.name }))], form.campaignId) })}
${field({ name: 'status', label: 'Status', control: select([{ value: '', label: 'Any' }, ...PROMPT_STATUSES.map((s) => ({ value: s, label: s.replace('_', ' ') }))], form.status) })}
${field({ name: 'from', label: 'Made from', control: input('date', form.from), errors: errorsOf('from') })}
${field({ name: 'to', label: 'Made until', control: input('date', form.to), errors: errorsOf('to') })}
<div><button type="submit">Search</button></div>
</form>
${problem && html`<p class="notice error">${problem.detail}</p>`}`;
}

export function promptTable(caption: string, prompts: readonly Summary[]): Html {
  return table(
    caption,
    [
      { header: 'Prompt', cell: (p) => html`<a href="/console/prompts/${p.id}">${p.id.slice(0, 8)}</a>` },
      { header: 'Patient', cell: (p) => html`<a href="/console/patients/${p.patientRef.replace('Patient/', '')}">${p.patientRef}</a>` },
      { header: 'Campaign', cell: (p) => p.campaignId },
      { header: 'Status', cell: (p) => status(p.status) },
      { header: 'Reason', cell: (p) => p.reason ?? '' },
      { header: 'Made', cell: (p) => when(new Date(p.createdAt)) },
      { header: 'Sent', cell: (p) => when(p.sentAt ? new Date(p.sentAt) : null) },
    ],
    prompts,
    'No prompts match.',
  );
}

function promptPage(prompt: z.infer<typeof PromptPage>): Html {
  const { provenance } = prompt;
  return html`${facts([
    ['Status', status(prompt.status)],
    ['Reason', prompt.reason],
    ['Patient', prompt.patientRef],
    ['Made', when(new Date(prompt.createdAt))],
    ['Sent', when(prompt.sentAt ? new Date(prompt.sentAt) : null)],
  ])}
<h2>Message</h2>
${prompt.text === null ? html`<p>No text was written for this prompt.</p>` : html`<pre class="message">${prompt.text}</pre>`}
<h2>Provenance</h2>
${facts([
  ['Trigger resource', provenance.triggerRefs.join(', ')],
  ['Reason (condition)', provenance.reasonRef],
  ['Campaign', html`<a href="/console/campaigns/${prompt.campaignId}">${prompt.campaignId}</a>`],
  ['Campaign version', provenance.campaignVersion],
  ['Template', provenance.templateId],
  ['Template version', provenance.templateVersion],
  ['Channel', provenance.channel],
  ['Communication id', provenance.communicationId],
  ['Reviewed by', provenance.reviewedBy],
])}
<h2>Triggering facts</h2>
${evidenceFacts(prompt.evidence)}
<h2>Timeline</h2>
${table(
  'What happened to this prompt, oldest first',
  [
    { header: 'When', cell: (event) => when(new Date(event.at)) },
    { header: 'What', cell: (event) => event.action },
    { header: 'Who', cell: (event) => event.actor },
    { header: 'Details', cell: (event) => detailsText(event.details) },
  ],
  prompt.timeline,
)}`;
}

function detailsText(details: unknown): string {
  if (details === null || typeof details !== 'object') return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}
