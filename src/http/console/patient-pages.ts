/** Patients: look one up by id (a POST form, then the id in the path, never in a query string) and see their prompts. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { EVERYONE } from '../access.ts';
import { FhirId, PromptSummary } from '../api/schemas.ts';
import type { Api } from './api.ts';
import { field, input } from './components.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';
import { promptTable } from './outreach-pages.ts';
import { type Pages, redirect } from './respond.ts';

const Lookup = z.object({
  patient: z
    .string()
    .trim()
    .transform((text) => text.replace(/^Patient\//, '')),
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

    app.get('/console/patients/:id', { ...route, schema: { hide: true, params: z.object({ id: FhirId }) } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const prompts = await api.call(request, 'GET', `/api/v1/patients/${id}/prompts`, z.object({ prompts: z.array(PromptSummary) }));
      if (!prompts.ok) return pages.problem(request, reply, prompts.problem);
      return pages.send(request, reply, {
        title: `Patient/${id}`,
        section: 'patients',
        body: html`<h2>Prompts</h2>${promptTable('Prompts for this patient, newest first', prompts.value.prompts)}`,
      });
    });
  };
}
