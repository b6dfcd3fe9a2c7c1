/**
 * What was sent, to whom and why: outreach search (the patient in the body, never in a query string), a prompt's
 * page (its text, provenance and timeline of audit events) and a patient's prompts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getPrompt, listPrompts, searchAudit } from '../../store/index.ts';
import { EVERYONE } from '../access.ts';
import { HttpProblem, Problem } from '../problem.ts';
import type { HttpServices } from '../services.ts';
import {
  AuditEventView,
  auditEventView,
  CampaignId,
  FhirId,
  Instant,
  PatientRef,
  PromptId,
  PromptStatus,
  PromptSummary,
  promptSummary,
} from './schemas.ts';

const Search = z.object({
  patientRef: PatientRef.optional(),
  campaignId: CampaignId.optional(),
  status: PromptStatus.optional(),
  from: Instant.optional().describe('made at or after'),
  to: Instant.optional().describe('made before'),
  limit: z.number().int().min(1).max(1000).default(100),
});

export const PromptPage = PromptSummary.extend({
  text: z.string().nullable(),
  evidence: z.unknown(),
  provenance: z.object({
    triggerRefs: z.array(z.string()).describe('The trigger resource(s), with version where the evidence records it'),
    reasonRef: z.string().nullable(),
    campaignVersion: z.number().int().nullable(),
    templateId: z.string(),
    templateVersion: z.string().nullable(),
    channel: z.string(),
    communicationId: z.string().nullable().describe('The delivered message in the channel (a FHIR Communication id)'),
    reviewedBy: z.string().nullable(),
  }),
  timeline: z.array(AuditEventView).describe('Oldest first'),
}).meta({ id: 'PromptPage' });

const TIMELINE_LIMIT = 500;

export function outreachRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { db } = services;
  return async (app) => {
    app.post(
      '/api/v1/outreach/search',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: 'Find prompts by patient, campaign, status and dates',
          tags: ['outreach'],
          body: Search,
          response: { 200: z.object({ prompts: z.array(PromptSummary) }) },
        },
      },
      async (request) => {
        const { from, to, ...filter } = request.body;
        const prompts = await listPrompts(db, {
          ...filter,
          ...(from ? { from: new Date(from) } : {}),
          ...(to ? { to: new Date(to) } : {}),
        });
        return { prompts: prompts.map(promptSummary) };
      },
    );

    app.get(
      '/api/v1/prompts/:id',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: "A prompt's text, provenance and timeline",
          tags: ['outreach'],
          params: z.object({ id: PromptId }),
          response: { 200: PromptPage, 404: Problem },
        },
      },
      async (request) => {
        const prompt = await getPrompt(db, request.params.id);
        if (!prompt) throw new HttpProblem(404, 'not found', `no prompt ${request.params.id}`);
        const events = await searchAudit(db, { entityType: 'Prompt', entityId: prompt.id, limit: TIMELINE_LIMIT });
        return {
          ...promptSummary(prompt),
          text: prompt.renderedText,
          evidence: prompt.evidence,
          provenance: {
            triggerRefs: prompt.triggerRefs,
            reasonRef: prompt.reasonRef,
            campaignVersion: prompt.campaignVersion,
            templateId: prompt.templateId,
            templateVersion: prompt.templateVersion,
            channel: prompt.channel,
            communicationId: prompt.externalId,
            reviewedBy: prompt.reviewedBy,
          },
          timeline: events.reverse().map(auditEventView),
        };
      },
    );

    app.get(
      '/api/v1/patients/:patientId/prompts',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: "A patient's prompts, newest first",
          tags: ['patients'],
          params: z.object({ patientId: FhirId }),
          response: { 200: z.object({ prompts: z.array(PromptSummary) }) },
        },
      },
      async (request) => ({
        prompts: (await listPrompts(db, { patientRef: `Patient/${request.params.patientId}`, limit: 1000 })).map(promptSummary),
      }),
    );
  };
}
