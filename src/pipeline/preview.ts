/**
 * A campaign's message as one chosen patient would get it now: their record read from FHIR, the newest of their
 * resources with the campaign's trigger codes as the trigger (the due window is not applied: a preview shows the
 * wording, not whether the patient is due). Nothing is written.
 */
import type { Campaign } from '../campaigns/index.ts';
import { loadPatientContext } from '../fhir/index.ts';
import { codingsOf } from '../triggers/index.ts';
import type { Context } from './context.ts';
import { renderFor } from './draft-prompt.ts';

export type PreviewResult =
  | { kind: 'rendered'; text: string; language: string; templateVersion: string; triggerRef: string }
  | { kind: 'values-missing'; missing: string[]; triggerRef: string }
  | { kind: 'patient-not-found' }
  /** The patient has no resource of the campaign's type with one of its codes. */
  | { kind: 'no-trigger' };

export async function previewPrompt(
  campaign: Campaign,
  patientId: string,
  ctx: Pick<Context, 'gateway' | 'templates' | 'config' | 'clock' | 'logger'>,
): Promise<PreviewResult> {
  const context = await loadPatientContext(ctx.gateway, patientId, { logger: ctx.logger });
  if (!context) return { kind: 'patient-not-found' };
  const wanted = new Set(campaign.trigger.codes);
  const trigger = context.records.find(
    (record) => record.resourceType === campaign.trigger.resource && codingsOf(record).some((c) => wanted.has(`${c.system}|${c.code}`)),
  );
  if (!trigger) return { kind: 'no-trigger' };
  const triggerRef = `${trigger.resourceType}/${trigger.id}`;
  const { template, result } = renderFor(campaign, context, trigger, ctx.clock(), ctx);
  if (!result.ok) return { kind: 'values-missing', missing: result.missing, triggerRef };
  return { kind: 'rendered', text: result.text, language: template.language, templateVersion: template.version, triggerRef };
}
