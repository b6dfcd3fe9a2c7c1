/**
 * Patients: look one up by id (a POST form, then the id in the path, never in a query string) and see their
 * opt-outs, results preference and prompts; care managers (and admins) record opt-outs and opt-ins with a reason,
 * and whether the patient wants results by message.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVERYONE, STAFF_WHO_RUN_CAMPAIGNS } from '../access.ts';
import { CampaignSummary } from '../api/campaigns.ts';
import { OptedOut, Preferences, ResultsRecorded } from '../api/patients.ts';
import { FhirId, PromptSummary } from '../api/schemas.ts';
import type { Api, ApiProblem } from './api.ts';
import { field, input } from './components.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';
import { promptTable } from './outreach-pages.ts';
import { preferencesView } from './patient-views.ts';
import { type Pages, redirect } from './respond.ts';

const Lookup = z.object({
  patient: z
    .string()
    .trim()
    .transform((text) => text.replace(/^Patient\//, '')),
});

const Params = z.object({ id: FhirId });
const DONE = {
  'opted-out': 'Opt-out recorded.',
  'opted-in': 'Opt-out removed.',
  'results-by-message': 'Results preference recorded.',
} as const;
const Done = z.object({ done: z.enum(Object.keys(DONE) as [keyof typeof DONE]).optional() });
/** An empty scope is every campaign; the API checks the rest. */
const ChangeForm = z.object({
  campaignId: z
    .string()
    .optional()
    .transform((id) => id || undefined),
  reason: z.string().default(''),
});
/** An empty note is none. */
const ResultsForm = z.object({
  byMessage: z.enum(['yes', 'no', 'clear']).transform((answer) => (answer === 'clear' ? null : answer === 'yes')),
  note: z
    .string()
    .optional()
    .transform((note) => note?.trim() || undefined),
});

export function patientPages(api: Api, pages: Pages): FastifyPluginAsync {
  const route = { config: { roles: EVERYONE }, schema: { hide: true } };
  const lookupForm = (csrf: string, value = '', errors: string[] = []): Html =>
    html`<form method="post" action="/console/patients" class="filters" role="search" aria-label="Find a patient">
${csrfField(csrf)}
${field({ name: 'patient', label: 'Patient id', control: input('text', value, 'placeholder="Patient/123" required'), errors })}
<div><button type="submit">Look up</button></div>
</form>`;

  return async (app) => {
    app.get('/console/patients', route, async (request, reply) =>
      pages.send(request, reply, { title: 'Patients', section: 'patients', body: lookupForm(pages.csrf(request)) }),
    );

    app.post('/console/patients', route, async (request, reply) => {
      const { patient } = Lookup.parse(request.body);
      const id = FhirId.safeParse(patient);
      if (!id.success) {
        const errors = id.error.issues.map((issue) => issue.message);
        return pages.send(
          request,
          reply,
          { title: 'Patients', section: 'patients', body: lookupForm(pages.csrf(request), patient, errors) },
          400,
        );
      }
      return redirect(reply, `/console/patients/${id.data}`);
    });

    app.get('/console/patients/:id', { ...route, schema: { hide: true, params: Params, querystring: Done } }, async (request, reply) => {
      const { id } = request.params as z.infer<typeof Params>;
      const { done } = request.query as z.infer<typeof Done>;
      return patientPage(request, reply, id, done ? { kind: 'ok', text: DONE[done] } : undefined);
    });

    for (const [action, done, answer] of [
      ['opt-out', 'opted-out', OptedOut],
      ['opt-in', 'opted-in', z.null()],
    ] as const) {
      app.post(
        `/console/patients/:id/${action}`,
        { config: { roles: STAFF_WHO_RUN_CAMPAIGNS }, schema: { hide: true, params: Params } },
        async (request, reply) => {
          const { id } = request.params as z.infer<typeof Params>;
          const body = ChangeForm.parse(request.body);
          const result = await api.call(request, 'POST', `/api/v1/patients/${id}/${action}`, answer, body);
          if (!result.ok)
            return patientPage(request, reply, id, { kind: 'error', text: problemText(result.problem) }, result.problem.status);
          return redirect(reply, `/console/patients/${id}?done=${done}`);
        },
      );
    }

    app.post(
      '/console/patients/:id/results-by-message',
      { config: { roles: STAFF_WHO_RUN_CAMPAIGNS }, schema: { hide: true, params: Params } },
      async (request, reply) => {
        const { id } = request.params as z.infer<typeof Params>;
        const form = ResultsForm.safeParse(request.body);
        if (!form.success) return patientPage(request, reply, id, { kind: 'error', text: 'Not recorded: choose yes, no or clear.' }, 400);
        const result = await api.call(request, 'POST', `/api/v1/patients/${id}/results-by-message`, ResultsRecorded, form.data);
        if (!result.ok) return patientPage(request, reply, id, { kind: 'error', text: problemText(result.problem) }, result.problem.status);
        return redirect(reply, `/console/patients/${id}?done=results-by-message`);
      },
    );
  };

  async function patientPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    notice: { kind: 'ok' | 'error'; text: string } | undefined,
    status = 200,
  ) {
    const mayChange = request.principal !== undefined && STAFF_WHO_RUN_CAMPAIGNS.includes(request.principal.role);
    const [prompts, prefs, campaigns] = await Promise.all([
      api.call(request, 'GET', `/api/v1/patients/${id}/prompts`, z.object({ prompts: z.array(PromptSummary) })),
      api.call(request, 'GET', `/api/v1/patients/${id}/preferences`, Preferences),
      mayChange ? api.call(request, 'GET', '/api/v1/campaigns', z.object({ campaigns: z.array(CampaignSummary) })) : undefined,
    ]);
    if (!prompts.ok) return pages.problem(request, reply, prompts.problem);
    if (!prefs.ok) return pages.problem(request, reply, prefs.problem);
    if (campaigns && !campaigns.ok) return pages.problem(request, reply, campaigns.problem);
    const campaignIds = campaigns?.value.campaigns.map((campaign) => campaign.id);
    return pages.send(
      request,
      reply,
      {
        title: `Patient/${id}`,
        section: 'patients',
        ...(notice ? { notice } : {}),
        body: html`${preferencesView(id, prefs.value, pages.csrf(request), campaignIds)}
<h2>Prompts</h2>${promptTable('Prompts for this patient, newest first', prompts.value.prompts)}`,
      },
      status,
    );
  }
}

/** The API's problem in a sentence: its detail, or the first field's message. */
function problemText(problem: ApiProblem): string {
  const [first] = problem.errors ?? [];
  return first ? `Not recorded: ${first.field.replace(/^body\./, '')} ${first.message}.` : `Not recorded: ${problem.detail}.`;
}
