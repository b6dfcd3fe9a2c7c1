/**
 * Campaign pages: everyone signed in may read them; care managers (and admins) create, edit, activate, pause
 * and dry-run, through the API's campaign routes.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DryRunReport } from '../../pipeline/index.ts';
import { EVERYONE, STAFF_WHO_RUN_CAMPAIGNS } from '../access.ts';
import { CampaignDetail, CampaignSummary, MAX_SAMPLES, Preview, Saved, Validation } from '../api/campaigns.ts';
import { CampaignId, FhirId } from '../api/schemas.ts';
import type { Api, ApiProblem } from './api.ts';
import { dryRunView, previewView, type TrialValues, trialForms } from './campaign-trials.ts';
import { campaignEditor, campaignList, campaignPage, NEW_CAMPAIGN_YAML } from './campaign-views.ts';
import { type Html, html } from './html.ts';
import { type Pages, redirect } from './respond.ts';

const Params = z.object({ id: CampaignId });
const YamlForm = z.object({ yaml: z.string().default('') });
/** What a redirect after an action says; fixed texts, so nothing but a word travels in the URL. */
const DONE = {
  created: 'Campaign created.',
  updated: 'Campaign saved as a new version.',
  unchanged: 'Nothing changed.',
  activated: 'Campaign activated.',
  paused: 'Campaign paused.',
} as const;
const SamplesForm = z.object({ samples: z.coerce.number().int('must be a whole number').min(0).max(MAX_SAMPLES) });
const PatientForm = z.object({
  patient: z
    .string()
    .trim()
    .transform((text) => text.replace(/^Patient\//, ''))
    .pipe(FhirId),
});
const Done = z.object({ done: z.enum(Object.keys(DONE) as [keyof typeof DONE]).optional() });

export function campaignPages(api: Api, pages: Pages): FastifyPluginAsync {
  const mayEdit = (request: FastifyRequest) => request.principal !== undefined && STAFF_WHO_RUN_CAMPAIGNS.includes(request.principal.role);
  const editor = { config: { roles: STAFF_WHO_RUN_CAMPAIGNS }, schema: { hide: true } };

  return async (app) => {
    app.get('/console/campaigns', { config: { roles: EVERYONE }, schema: { hide: true } }, async (request, reply) => {
      const result = await api.call(request, 'GET', '/api/v1/campaigns', z.object({ campaigns: z.array(CampaignSummary) }));
      if (!result.ok) return pages.problem(request, reply, result.problem);
      return pages.send(request, reply, {
        title: 'Campaigns',
        section: 'campaigns',
        body: campaignList(result.value.campaigns, mayEdit(request)),
      });
    });

    app.get('/console/campaigns/new', editor, async (request, reply) =>
      pages.send(request, reply, {
        title: 'New campaign',
        section: 'campaigns',
        body: campaignEditor({ action: '/console/campaigns/new', yaml: NEW_CAMPAIGN_YAML, csrf: pages.csrf(request) }),
      }),
    );

    // The id is the YAML's own: validated first (which reads it), then saved under it.
    app.post('/console/campaigns/new', editor, async (request, reply) => {
      const { yaml } = YamlForm.parse(request.body);
      const rejected = (problem: ApiProblem) =>
        showEditor(request, reply, { title: 'New campaign', action: '/console/campaigns/new', yaml, problem });
      const checked = await api.call(request, 'POST', '/api/v1/campaigns/validate', Validation, { yaml });
      if (!checked.ok) return rejected(checked.problem);
      if (!checked.value.ok || !checked.value.id) {
        return rejected({ status: 422, title: 'invalid campaign', detail: 'the campaign is invalid', errors: checked.value.errors });
      }
      const saved = await save(request, checked.value.id, yaml);
      if (!saved.ok) return rejected(saved.problem);
      return redirect(reply, `/console/campaigns/${saved.value.id}?done=${saved.value.change}`);
    });

    app.get(
      '/console/campaigns/:id',
      { config: { roles: EVERYONE }, schema: { hide: true, params: Params, querystring: Done } },
      async (request, reply) => {
        const { id } = request.params as z.infer<typeof Params>;
        const { done } = request.query as z.infer<typeof Done>;
        const result = await api.call(request, 'GET', `/api/v1/campaigns/${id}`, CampaignDetail);
        if (!result.ok) return pages.problem(request, reply, result.problem);
        return pages.send(request, reply, {
          title: result.value.name,
          section: 'campaigns',
          ...(done ? { notice: { kind: 'ok', text: DONE[done] } } : {}),
          body: html`${campaignPage(result.value, pages.csrf(request), mayEdit(request))}${mayEdit(request) && trialForms(id, pages.csrf(request))}`,
        });
      },
    );

    app.get('/console/campaigns/:id/edit', { ...editor, schema: { hide: true, params: Params } }, async (request, reply) => {
      const { id } = request.params as z.infer<typeof Params>;
      const result = await api.call(request, 'GET', `/api/v1/campaigns/${id}`, CampaignDetail);
      if (!result.ok) return pages.problem(request, reply, result.problem);
      return pages.send(request, reply, {
        title: `Edit ${result.value.name}`,
        section: 'campaigns',
        body: campaignEditor({ action: `/console/campaigns/${id}/edit`, yaml: result.value.yaml, csrf: pages.csrf(request) }),
      });
    });

    app.post('/console/campaigns/:id/edit', { ...editor, schema: { hide: true, params: Params } }, async (request, reply) => {
      const { id } = request.params as z.infer<typeof Params>;
      const { yaml } = YamlForm.parse(request.body);
      const saved = await save(request, id, yaml);
      if (!saved.ok)
        return showEditor(request, reply, { title: `Edit ${id}`, action: `/console/campaigns/${id}/edit`, yaml, problem: saved.problem });
      return redirect(reply, `/console/campaigns/${id}?done=${saved.value.change}`);
    });

    app.post('/console/campaigns/:id/dry-run', { ...editor, schema: { hide: true, params: Params } }, async (request, reply) => {
      const { id } = request.params as z.infer<typeof Params>;
      const form = request.body as Record<string, unknown>;
      const values = { samples: String(form.samples ?? '') };
      const parsed = SamplesForm.safeParse(form);
      if (!parsed.success) return showTrial(request, reply, id, { ...values, errors: { samples: messages(parsed.error) } }, html``, 400);
      const report = await api.call(request, 'POST', `/api/v1/campaigns/${id}/dry-run`, DryRunReport, parsed.data);
      if (!report.ok) return pages.problem(request, reply, report.problem);
      return showTrial(request, reply, id, values, dryRunView(report.value));
    });

    app.post('/console/campaigns/:id/preview', { ...editor, schema: { hide: true, params: Params } }, async (request, reply) => {
      const { id } = request.params as z.infer<typeof Params>;
      const form = request.body as Record<string, unknown>;
      const values = { patient: String(form.patient ?? '') };
      const parsed = PatientForm.safeParse(form);
      if (!parsed.success) return showTrial(request, reply, id, { ...values, errors: { patient: messages(parsed.error) } }, html``, 400);
      const patientId = parsed.data.patient;
      const result = await api.call(request, 'POST', `/api/v1/campaigns/${id}/preview`, Preview, { patientId });
      // No such patient, or nothing to preview for them: said beside the form. Anything else is the page's problem.
      if (!result.ok && result.problem.status !== 404 && result.problem.status !== 422)
        return pages.problem(request, reply, result.problem);
      return showTrial(request, reply, id, values, previewView(patientId, result));
    });

    for (const [action, done] of [
      ['activate', 'activated'],
      ['pause', 'paused'],
    ] as const) {
      app.post(`/console/campaigns/:id/${action}`, { ...editor, schema: { hide: true, params: Params } }, async (request, reply) => {
        const { id } = request.params as z.infer<typeof Params>;
        const result = await api.call(request, 'POST', `/api/v1/campaigns/${id}/${action}`, Saved);
        if (!result.ok) return pages.problem(request, reply, result.problem);
        return redirect(reply, `/console/campaigns/${id}?done=${result.value.change === 'unchanged' ? 'unchanged' : done}`);
      });
    }
  };

  function save(request: FastifyRequest, id: string, yaml: string) {
    return api.call(request, 'PUT', `/api/v1/campaigns/${id}`, Saved, { yaml });
  }

  /** A dry run's or a preview's result, with both forms to try again. */
  function showTrial(request: FastifyRequest, reply: FastifyReply, id: string, values: TrialValues, result: Html, status = 200) {
    const body = html`<p><a href="/console/campaigns/${id}">Back to the campaign</a></p>${result}${trialForms(id, pages.csrf(request), values)}`;
    return pages.send(request, reply, { title: `Try ${id}`, section: 'campaigns', body }, status);
  }

  /** The editor again, with what was typed and the API's problems beside it. */
  function showEditor(
    request: FastifyRequest,
    reply: FastifyReply,
    edit: { title: string; action: string; yaml: string; problem: ApiProblem },
  ) {
    const notice = { kind: 'error' as const, text: 'The campaign was not saved: fix the problems listed under the editor.' };
    const body = campaignEditor({ action: edit.action, yaml: edit.yaml, csrf: pages.csrf(request), problem: edit.problem });
    return pages.send(request, reply, { title: edit.title, section: 'campaigns', notice, body }, edit.problem.status);
  }
}

function messages(error: z.ZodError): string[] {
  return error.issues.map((issue) => issue.message);
}
