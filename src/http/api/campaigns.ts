/**
 * Campaigns for care managers: the list with today's and the last 30 days' figures, a campaign with its YAML and
 * versions, create or edit from YAML (checked as `campaigns apply` checks files, every change kept as a version),
 * validation as one types, activate and pause (a new version with `active` changed).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isMap, isScalar, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { Campaign, CampaignFileError, type LoadedCampaign, parseCampaign, triggerOf } from '../../campaigns/index.ts';
import { DryRunReport, dryRunCampaign, previewPrompt } from '../../pipeline/index.ts';
import { TemplateError } from '../../render/index.ts';
import {
  applyCampaigns,
  type CampaignFigures,
  campaignFigures,
  getCampaign,
  listCampaigns,
  listCampaignVersions,
  recordAudit,
  type StoredCampaign,
} from '../../store/index.ts';
import { EVERYONE, STAFF_WHO_RUN_CAMPAIGNS } from '../access.ts';
import { actorOf, principalOf } from '../auth.ts';
import { HttpProblem, Problem } from '../problem.ts';
import type { HttpServices } from '../services.ts';
import { CampaignId, FhirId, Instant } from './schemas.ts';
import { withLines } from './yaml-problems.ts';

const Period = z.object({
  sent: z.number().int(),
  deferred: z.number().int(),
  queued: z.number().int(),
  failed: z.number().int(),
  pendingReview: z.number().int(),
  skipped: z.number().int(),
  skippedByReason: z.record(z.string(), z.number().int()),
});
export const CampaignSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    active: z.boolean(),
    version: z.number().int(),
    updatedAt: Instant,
    figures: z.object({ today: Period, last30Days: Period }).describe('Prompts made today (UTC) and in the last 30 days'),
  })
  .meta({ id: 'CampaignSummary' });
const VersionInfo = z.object({ version: z.number().int(), actor: z.string(), createdAt: Instant });
export const CampaignDetail = CampaignSummary.extend({
  definition: Campaign,
  yaml: z.string(),
  versions: z.array(VersionInfo.extend({ diff: z.string() })).describe('Newest first, each with its diff against the one before'),
}).meta({ id: 'CampaignDetail' });
const YamlBody = z.object({ yaml: z.string().min(1).max(100_000) });
export const Validation = z.object({
  ok: z.boolean(),
  id: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string(), line: z.number().int().optional() })),
});
export const Saved = z.object({ id: z.string(), change: z.enum(['created', 'updated', 'unchanged']), version: z.number().int() });
const Params = z.object({ id: CampaignId });
/** Rendering a sample costs little, but each is shown in full: a page, not a file. */
export const MAX_SAMPLES = 50;
const Samples = z.number().int().min(0).max(MAX_SAMPLES).default(3).describe('How many messages to render in full');
const DryRunBody = z.object({ samples: Samples });
export const Preview = z
  .object({ text: z.string(), language: z.string(), templateVersion: z.string(), triggerRef: z.string() })
  .meta({ id: 'Preview' });

const EMPTY: CampaignFigures = {
  today: { sent: 0, deferred: 0, queued: 0, failed: 0, pendingReview: 0, skipped: 0, skippedByReason: {} },
  last30Days: { sent: 0, deferred: 0, queued: 0, failed: 0, pendingReview: 0, skipped: 0, skippedByReason: {} },
};

export function campaignRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { db } = services;
  const summary = (stored: StoredCampaign, figures: CampaignFigures | undefined) => ({
    id: stored.campaign.id,
    name: stored.campaign.name,
    active: stored.campaign.active,
    version: stored.version,
    updatedAt: stored.updatedAt.toISOString(),
    figures: figures ?? EMPTY,
  });

  function parse(yaml: string): LoadedCampaign {
    try {
      return parseCampaign('campaign', yaml, services.campaignCheck);
    } catch (error) {
      if (!(error instanceof CampaignFileError)) throw error;
      const errors = withLines(yaml, error.problems);
      const first = errors[0];
      throw new HttpProblem(
        422,
        'invalid campaign',
        first ? `${first.field || 'the file'}${first.line ? ` (line ${first.line})` : ''} ${first.message}` : 'the campaign is invalid',
        errors,
      );
    }
  }

  async function save(yaml: string, id: string, actor: string) {
    const loaded = parse(yaml);
    if (loaded.campaign.id !== id) {
      throw new HttpProblem(422, 'invalid campaign', `id is "${loaded.campaign.id}" but the URL names "${id}": make them the same`, [
        { field: 'id', message: `must be "${id}", the campaign this request edits` },
      ]);
    }
    const [result] = await applyCampaigns(db, [loaded], actor);
    if (!result) throw new Error('applyCampaigns returned nothing for one campaign');
    return result;
  }

  async function found(id: string): Promise<StoredCampaign> {
    const stored = await getCampaign(db, id);
    if (!stored) throw new HttpProblem(404, 'not found', `no campaign ${id}`);
    return stored;
  }

  /** The text of the latest version, or the stored definition as YAML for a campaign applied before versions. */
  async function currentYaml(stored: StoredCampaign): Promise<string> {
    const [latest] = await listCampaignVersions(db, stored.campaign.id);
    return latest?.yaml ?? stringify(stored.campaign);
  }

  /** The report, or the campaign's template as a problem: a broken template is the author's to fix. */
  async function dryRun(campaign: Campaign, source: DryRunReport['source'], samples: number): Promise<DryRunReport> {
    try {
      return await dryRunCampaign(campaign, services, { source, samples });
    } catch (error) {
      if (error instanceof TemplateError) throw new HttpProblem(422, 'template broken', error.message);
      throw error;
    }
  }

  return async (app) => {
    app.get(
      '/api/v1/campaigns',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: 'Campaigns with their figures',
          tags: ['campaigns'],
          response: { 200: z.object({ campaigns: z.array(CampaignSummary) }) },
        },
      },
      async () => {
        const figures = await campaignFigures(db, services.clock());
        return { campaigns: (await listCampaigns(db)).map((stored) => summary(stored, figures.get(stored.campaign.id))) };
      },
    );

    app.get(
      '/api/v1/campaigns/:id',
      {
        config: { roles: EVERYONE },
        schema: {
          summary: 'A campaign, its YAML and its versions',
          tags: ['campaigns'],
          params: Params,
          response: { 200: CampaignDetail, 404: Problem },
        },
      },
      async (request) => {
        const stored = await found(request.params.id);
        const figures = await campaignFigures(db, services.clock());
        const versions = await listCampaignVersions(db, stored.campaign.id);
        return {
          ...summary(stored, figures.get(stored.campaign.id)),
          definition: stored.campaign,
          yaml: versions[0]?.yaml ?? stringify(stored.campaign),
          versions: versions.map(({ version, actor, createdAt, diff }) => ({ version, actor, createdAt: createdAt.toISOString(), diff })),
        };
      },
    );

    app.post(
      '/api/v1/campaigns/validate',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'Check campaign YAML without saving it (validation as you type)',
          tags: ['campaigns'],
          body: YamlBody,
          response: { 200: Validation },
        },
      },
      async (request) => {
        try {
          return { ok: true, id: parse(request.body.yaml).campaign.id, errors: [] };
        } catch (error) {
          if (error instanceof HttpProblem && error.errors) return { ok: false, errors: error.errors };
          throw error;
        }
      },
    );

    app.put(
      '/api/v1/campaigns/:id',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'Create or edit a campaign from YAML; every change is kept as a version',
          tags: ['campaigns'],
          params: Params,
          body: YamlBody,
          response: { 200: Saved, 422: Problem },
        },
      },
      async (request) => save(request.body.yaml, request.params.id, actorOf(principalOf(request))),
    );

    app.post(
      '/api/v1/campaigns/:id/preview',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: "The campaign's message for a chosen patient, read from FHIR now (nothing is written)",
          tags: ['campaigns'],
          params: Params,
          body: z.object({ patientId: FhirId.describe('The patient, in the body: never in a query string') }),
          response: { 200: Preview, 404: Problem, 422: Problem },
        },
      },
      async (request) => {
        const stored = await found(request.params.id);
        const preview = await previewPrompt(stored.campaign, request.body.patientId, services);
        if (preview.kind === 'patient-not-found')
          throw new HttpProblem(404, 'not found', `the FHIR server has no Patient/${request.body.patientId}`);
        if (preview.kind === 'no-trigger') {
          throw new HttpProblem(
            422,
            'nothing to preview',
            `Patient/${request.body.patientId} has no ${triggerOf(stored.campaign).resource} with the campaign's codes: choose a patient who has one`,
          );
        }
        if (preview.kind === 'values-missing') {
          throw new HttpProblem(
            422,
            'template values missing',
            `the template needs ${preview.missing.join(', ')}, which ${preview.triggerRef}'s patient lacks: the prompt would be skipped`,
          );
        }
        if (preview.kind === 'no-template') {
          throw new HttpProblem(
            422,
            'no template in the language',
            `the template has no variant in the patient's language (${preview.language ?? 'none stated'}) and languageFallback names none: the prompt would be skipped`,
          );
        }
        const { kind: _rendered, ...shown } = preview;
        return shown;
      },
    );

    app.post(
      '/api/v1/campaigns/dry-run',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'What campaign YAML not yet saved would do now, against the live FHIR server (nothing is written)',
          tags: ['campaigns'],
          body: YamlBody.extend({ samples: Samples }),
          response: { 200: DryRunReport, 422: Problem },
        },
      },
      async (request) => dryRun(parse(request.body.yaml).campaign, 'file', request.body.samples),
    );

    app.post(
      '/api/v1/campaigns/:id/dry-run',
      {
        config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
        schema: {
          summary: 'What a campaign would do now, as if active, against the live FHIR server (nothing is written)',
          tags: ['campaigns'],
          params: Params,
          body: DryRunBody,
          response: { 200: DryRunReport, 404: Problem, 422: Problem },
        },
      },
      async (request) => dryRun((await found(request.params.id)).campaign, 'applied', request.body.samples),
    );

    for (const [action, active] of [
      ['activate', true],
      ['pause', false],
    ] as const) {
      app.post(
        `/api/v1/campaigns/:id/${action}`,
        {
          config: { roles: STAFF_WHO_RUN_CAMPAIGNS },
          schema: {
            summary: `${action === 'activate' ? 'Activate' : 'Pause'} a campaign (a new version)`,
            tags: ['campaigns'],
            params: Params,
            response: { 200: Saved, 404: Problem },
          },
        },
        async (request) => {
          const stored = await found(request.params.id);
          const actor = actorOf(principalOf(request));
          const result = await save(withTopLevelValue(await currentYaml(stored), 'active', String(active)), stored.campaign.id, actor);
          if (result.change !== 'unchanged') {
            await recordAudit(db, {
              actor,
              action: `campaign.${action === 'activate' ? 'activated' : 'paused'}`,
              entityType: 'Campaign',
              entityId: stored.campaign.id,
              details: { version: String(result.version) },
            });
          }
          return result;
        },
      );
    }
  };
}

/**
 * The YAML with one top-level field's value replaced in the text itself, so the rest stays as its author wrote it
 * (a re-serialised document would restyle every line, and the version's diff would show them all).
 */
function withTopLevelValue(yaml: string, key: string, value: string): string {
  const contents = parseDocument(yaml).contents;
  const pair = isMap(contents) ? contents.items.find((item) => isScalar(item.key) && item.key.value === key) : undefined;
  const range = isScalar(pair?.value) ? pair.value.range : undefined;
  if (range) return `${yaml.slice(0, range[0])}${value}${yaml.slice(range[1])}`;
  return `${yaml.replace(/\n?$/, '\n')}${key}: ${value}\n`;
}
