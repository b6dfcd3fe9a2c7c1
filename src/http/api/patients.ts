/**
 * Patients' own wishes kept in careprompt: their local opt-outs and results-by-message preference, recent prompts
 * and next deferred prompt, and opt-out / opt-in / results-by-message as `careprompt patients` records them
 * (audited by the store, with the signed-in person as actor). An opt-out or a results permission recorded in the
 * EHR (a Consent) is honoured too, but is changed in the EHR; a local results preference overrides it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  getCampaign,
  getPatientRecord,
  recordOptOut,
  recordResultsPreference,
  removeOptOut,
  type StoredResultsPreference,
} from '../../store/index.ts';
import { EVERYONE, STAFF_WHO_RUN_CAMPAIGNS } from '../access.ts';
import { actorOf, principalOf } from '../auth.ts';
import { HttpProblem, Problem } from '../problem.ts';
import type { HttpServices } from '../services.ts';
import { CampaignId, FhirId, Instant, PromptId, PromptStatus } from './schemas.ts';

const RECENT_PROMPTS = 20;
const Params = z.object({ patientId: FhirId });
const Change = z.object({
  campaignId: CampaignId.optional().describe('One campaign; without it, every campaign'),
  reason: z.string().trim().min(1, 'must say how the patient asked (e.g. "phone call")').max(500),
});

export const OptOutView = z.object({
  campaignId: z.string().nullable().describe('Null: every campaign'),
  recordedBy: z.string(),
  reason: z.string(),
  createdAt: Instant,
});
export const ResultsPreferenceView = z
  .object({
    byMessage: z.boolean().describe('Whether the patient wants results by portal message'),
    note: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: Instant,
  })
  .describe("The patient's latest word, recorded here: it overrides a results Consent in the EHR");
export const Preferences = z
  .object({
    patientRef: z.string(),
    optOuts: z.array(OptOutView),
    resultsPreference: ResultsPreferenceView.nullable(),
    recentPrompts: z
      .array(
        z.object({
          id: PromptId,
          campaignId: z.string(),
          status: PromptStatus,
          reason: z.string().nullable(),
          language: z.string().nullable(),
          createdAt: Instant,
          sentAt: Instant.nullable(),
          notBefore: Instant.nullable(),
        }),
      )
      .describe(`Newest first, at most ${RECENT_PROMPTS}`),
    nextDeferred: z.object({ id: PromptId, campaignId: z.string(), notBefore: Instant.nullable() }).nullable(),
  })
  .meta({ id: 'PatientPreferences' });
const ResultsChange = z.object({
  byMessage: z
    .boolean()
    .nullable()
    .describe(
      'true: results may be messaged to the patient without review (resultsMessaging: patient-preference); null clears it, and a Consent in the EHR decides again',
    ),
  note: z.string().trim().min(1).max(500).optional().describe('How the patient said so (e.g. "at the visit")'),
});
export const ResultsRecorded = z.object({
  previous: z.boolean().nullable().describe('The preference this one replaces; null when none was recorded'),
});
export const OptedOut = z.object({
  already: z.boolean().describe('The patient was opted out of that scope before (the reason is replaced)'),
});

const iso = (date: Date | null) => date?.toISOString() ?? null;
const resultsView = (preference: StoredResultsPreference | undefined) =>
  preference
    ? {
        byMessage: preference.byMessage,
        note: preference.note,
        recordedBy: preference.recordedBy,
        recordedAt: preference.recordedAt.toISOString(),
      }
    : null;
const scopeOf = (campaignId: string | undefined) => (campaignId ? `campaign ${campaignId}` : 'all campaigns');

export function patientRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { db } = services;
  return async (app) => {
    app.get(
      '/api/v1/patients/:patientId/preferences',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: "A patient's local opt-outs and results preference, recent prompts and next deferred prompt",
          tags: ['patients'],
          params: Params,
          response: { 200: Preferences },
        },
      },
      async (request) => {
        const patientRef = `Patient/${request.params.patientId}`;
        const record = await getPatientRecord(db, patientRef, { limit: RECENT_PROMPTS, now: services.clock() });
        return {
          patientRef,
          optOuts: record.optOuts.map(({ campaignId, recordedBy, reason, createdAt }) => ({
            campaignId,
            recordedBy,
            reason,
            createdAt: createdAt.toISOString(),
          })),
          resultsPreference: resultsView(record.resultsPreference),
          recentPrompts: record.recentPrompts.map((prompt) => ({
            ...prompt,
            createdAt: prompt.createdAt.toISOString(),
            sentAt: iso(prompt.sentAt),
            notBefore: iso(prompt.notBefore),
          })),
          nextDeferred: record.nextDeferred ? { ...record.nextDeferred, notBefore: iso(record.nextDeferred.notBefore) } : null,
        };
      },
    );

    app.post(
      '/api/v1/patients/:patientId/opt-out',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'Record that the patient wants no prompts of one campaign, or of any (audited)',
          tags: ['patients'],
          params: Params,
          body: Change,
          response: { 200: OptedOut, 422: Problem },
        },
      },
      async (request) => {
        const { campaignId, reason } = request.body;
        // A misspelt id would record an opt-out nothing honours.
        if (campaignId !== undefined && !(await getCampaign(db, campaignId))) {
          throw new HttpProblem(
            422,
            'no such campaign',
            `campaignId ${campaignId} names no stored campaign: choose one of GET /api/v1/campaigns`,
            [{ field: 'campaignId', message: 'names no stored campaign' }],
          );
        }
        const patientRef = `Patient/${request.params.patientId}`;
        return recordOptOut(db, { patientRef, campaignId, reason, by: actorOf(principalOf(request)) });
      },
    );

    app.post(
      '/api/v1/patients/:patientId/opt-in',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'Remove a local opt-out of one campaign, or of all (audited)',
          tags: ['patients'],
          params: Params,
          body: Change,
          response: { 204: z.null(), 404: Problem },
        },
      },
      async (request, reply) => {
        const { campaignId, reason } = request.body;
        const patientRef = `Patient/${request.params.patientId}`;
        if (!(await removeOptOut(db, { patientRef, campaignId, reason, by: actorOf(principalOf(request)) }))) {
          throw new HttpProblem(404, 'not found', `${patientRef} has no local opt-out of ${scopeOf(campaignId)}`);
        }
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/v1/patients/:patientId/results-by-message',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'Record whether the patient wants results by portal message, or clear it; overrides a Consent in the EHR (audited)',
          tags: ['patients'],
          params: Params,
          body: ResultsChange,
          response: { 200: ResultsRecorded },
        },
      },
      async (request) => {
        const { byMessage, note } = request.body;
        const patientRef = `Patient/${request.params.patientId}`;
        const { previous } = await recordResultsPreference(db, { patientRef, byMessage, note, by: actorOf(principalOf(request)) });
        return { previous: previous ?? null };
      },
    );
  };
}
