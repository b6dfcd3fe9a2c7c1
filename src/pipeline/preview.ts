/**
 * A campaign's message as one chosen patient would get it now: their record read from FHIR, the newest of their
 * resources with the campaign's trigger codes as the trigger (the due window is not applied: a preview shows the
 * wording, not whether the patient is due). Nothing is written.
 */
import { type Campaign, contextReadsOf, triggerOf, valueSetsOf } from '../campaigns/index.ts';
import { codingMatches } from '../criteria/index.ts';
import { loadPatientContext } from '../fhir/index.ts';
import { codingsOf } from '../triggers/index.ts';
import type { Context } from './context.ts';
import { renderFor } from './draft-prompt.ts';

export type PreviewResult =
  | { kind: 'rendered'; text: string; language: string; templateVersion: string; triggerRef: string }
  | { kind: 'values-missing'; missing: string[]; triggerRef: string }
  | { kind: 'patient-not-found' }
  /** The campaign has no variant in the patient's language and no fallback it has. */
  | { kind: 'no-template'; language: string | undefined }
  /** The patient has no resource of the campaign's type with one of its codes. */
  | { kind: 'no-trigger' };

export async function previewPrompt(
  campaign: Campaign,
  patientId: string,
  ctx: Pick<Context, 'gateway' | 'templates' | 'config' | 'clock' | 'logger' | 'valueSets'>,
): Promise<PreviewResult> {
  const expansions = await ctx.valueSets.expand(valueSetsOf(campaign), ctx.clock());
  const context = await loadPatientContext(ctx.gateway, patientId, { logger: ctx.logger, ...contextReadsOf([campaign], expansions) });
  if (!context) return { kind: 'patient-not-found' };
  const wanted = triggerOf(campaign);
  const trigger = context.records.find(
    (record) => record.resourceType === wanted.resource && codingMatches(codingsOf(record), wanted, expansions),
  );
  if (!trigger) return { kind: 'no-trigger' };
  const triggerRef = `${trigger.resourceType}/${trigger.id}`;
  const rendered = renderFor(campaign, context, trigger, ctx.clock(), ctx);
  if (rendered.kind === 'no-template') return { kind: 'no-template', language: rendered.language };
  const { template, result } = rendered;
  if (!result.ok) return { kind: 'values-missing', missing: result.missing, triggerRef };
  return { kind: 'rendered', text: result.text, language: template.language, templateVersion: template.version, triggerRef };
}
