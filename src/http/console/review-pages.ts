/**
 * The clinicians' review queue: each held prompt's text beside the facts that triggered it; approve or reject
 * the ticked ones at once (a rejection with a note), and edit a text before approving it. Decisions go to the
 * API's review route, which records the reviewer and the edit's diff.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { REVIEWERS } from '../access.ts';
import { Outcome as DecisionOutcome, HeldPrompt } from '../api/review.ts';
import type { Api } from './api.ts';
import { field } from './components.ts';
import { evidenceFacts } from './evidence-view.ts';
import { list } from './form.ts';
import { type Html, html } from './html.ts';
import { csrfField } from './layout.ts';
import { type Pages, redirect } from './respond.ts';

type Held = z.infer<typeof HeldPrompt>;
const HeldPrompts = z.object({ prompts: z.array(HeldPrompt) });
const DecisionResults = z.object({ results: z.array(DecisionOutcome) });

const DecisionForm = z.object({
  decision: z.enum(['approve', 'reject']),
  selected: z.union([z.string(), z.array(z.string())]).optional(),
  note: z.string().trim().default(''),
});
const Outcome = z
  .object({ approved: z.coerce.number().int(), rejected: z.coerce.number().int(), stale: z.coerce.number().int() })
  .partial();

export function reviewPages(api: Api, pages: Pages): FastifyPluginAsync {
  const route = { config: { roles: REVIEWERS }, schema: { hide: true } };
  return async (app) => {
    app.get('/console/review', { ...route, schema: { hide: true, querystring: Outcome } }, async (request, reply) => {
      const held = await api.call(request, 'GET', '/api/v1/review', HeldPrompts);
      if (!held.ok) return pages.problem(request, reply, held.problem);
      const outcome = request.query as z.infer<typeof Outcome>;
      return pages.send(request, reply, {
        title: 'Review queue',
        section: 'review',
        ...(outcome.approved !== undefined ? { notice: { kind: 'ok', text: outcomeText(outcome) } } : {}),
        body: queue(held.value.prompts, pages.csrf(request)),
      });
    });

    app.post('/console/review', route, async (request, reply) => {
      const form = DecisionForm.safeParse(request.body);
      const body = request.body as Record<string, string | string[]>;
      const selected = form.success ? list(form.data.selected) : [];
      if (!form.success || selected.length === 0 || (form.data.decision === 'reject' && form.data.note === '')) {
        const held = await api.call(request, 'GET', '/api/v1/review', HeldPrompts);
        if (!held.ok) return pages.problem(request, reply, held.problem);
        const text = selected.length === 0 ? 'Tick the prompts to decide on first.' : 'A rejection needs a note saying why.';
        return pages.send(
          request,
          reply,
          {
            title: 'Review queue',
            section: 'review',
            notice: { kind: 'error', text },
            body: queue(held.value.prompts, pages.csrf(request)),
          },
          400,
        );
      }
      const { decision, note } = form.data;
      // An approved text that differs from the one shown is an edit: sent instead, and recorded with its diff.
      const decisions = selected.map((promptId) => {
        const edited =
          typeof body[`text-${promptId}`] === 'string' ? (body[`text-${promptId}`] as string).replace(/\r\n/g, '\n') : undefined;
        const shown =
          typeof body[`shown-${promptId}`] === 'string' ? (body[`shown-${promptId}`] as string).replace(/\r\n/g, '\n') : undefined;
        return {
          promptId,
          decision,
          ...(note ? { note } : {}),
          ...(decision === 'approve' && edited !== undefined && edited !== shown && edited.trim() !== '' ? { text: edited } : {}),
        };
      });
      const result = await api.call(request, 'POST', '/api/v1/review/decisions', DecisionResults, { decisions });
      if (!result.ok) return pages.problem(request, reply, result.problem);
      const count = (kind: string) => result.value.results.filter((r) => r.result === kind).length;
      return redirect(reply, `/console/review?approved=${count('approved')}&rejected=${count('rejected')}&stale=${count('not-pending')}`);
    });
  };
}

function outcomeText(outcome: z.infer<typeof Outcome>): string {
  const parts = [`Approved ${outcome.approved ?? 0}`, `rejected ${outcome.rejected ?? 0}`];
  if (outcome.stale) parts.push(`${outcome.stale} no longer waiting for review`);
  return `${parts.join(', ')}.`;
}

function queue(prompts: readonly Held[], csrf: string): Html {
  if (prompts.length === 0) return html`<p>No prompt is waiting for review.</p>`;
  return html`<form method="post" action="/console/review">
${csrfField(csrf)}
<p><label><input type="checkbox" data-select-all="selected"> Select all ${prompts.length}</label></p>
${prompts.map((prompt) => heldPrompt(prompt))}
<fieldset class="card">
<legend>Decide on the selected prompts</legend>
${field({ name: 'note', label: 'Note (required to reject)', control: (attributes) => html`<textarea ${attributes} rows="2"></textarea>` })}
<div class="actions">
<button type="submit" name="decision" value="approve">Approve selected</button>
<button type="submit" name="decision" value="reject" class="danger">Reject selected</button>
</div>
</fieldset>
</form>`;
}

function heldPrompt(prompt: Held): Html {
  const label = `${prompt.campaignId} for ${prompt.patientRef}`;
  return html`<article class="card" aria-label="${label}">
<h2><label><input type="checkbox" name="selected" value="${prompt.id}"> ${label}</label></h2>
<p class="hint"><a href="/console/prompts/${prompt.id}">Prompt ${prompt.id}</a>, made ${prompt.createdAt}</p>
<div class="side-by-side">
<div>
<label for="text-${prompt.id}">Message (edit before approving if needed)</label>
<textarea id="text-${prompt.id}" name="text-${prompt.id}" rows="10">${prompt.text ?? ''}</textarea>
<input type="hidden" name="shown-${prompt.id}" value="${prompt.text ?? ''}">
</div>
<div><h3>Why</h3>${evidenceFacts(prompt.evidence)}</div>
</div>
</article>`;
}
