/** Schemas the API's routes share; the domain's own (Campaign, Role, statuses) are reused, not redefined. */
import { z } from 'zod';
import { PROMPT_STATUSES } from '../../store/index.ts';

export const PromptStatus = z.enum(PROMPT_STATUSES);
export const CampaignId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a campaign id: lowercase letters, digits, dashes');
export const PromptId = z.uuid();
/** A FHIR logical id, as in Patient/<id>. */
export const FhirId = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'must be a FHIR id: letters, digits, dots and dashes, at most 64');
export const PatientRef = z.string().regex(/^Patient\/[A-Za-z0-9.-]{1,64}$/, 'must be a reference like Patient/123');
export const Instant = z.iso.datetime({ offset: true });

export const PromptSummary = z
  .object({
    id: PromptId,
    campaignId: z.string(),
    campaignVersion: z.number().int().nullable(),
    patientRef: z.string(),
    status: PromptStatus,
    reason: z.string().nullable(),
    templateId: z.string(),
    language: z.string().nullable(),
    createdAt: Instant,
    sentAt: Instant.nullable(),
  })
  .meta({ id: 'PromptSummary' });

export const AuditEventView = z
  .object({
    id: z.uuid(),
    at: Instant,
    actor: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    details: z.unknown(),
  })
  .meta({ id: 'AuditEvent' });

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function promptSummary(prompt: {
  id: string;
  campaignId: string;
  campaignVersion: number | null;
  patientRef: string;
  status: z.infer<typeof PromptStatus>;
  reason: string | null;
  templateId: string;
  language: string | null;
  createdAt: Date;
  sentAt: Date | null;
}): z.infer<typeof PromptSummary> {
  return {
    id: prompt.id,
    campaignId: prompt.campaignId,
    campaignVersion: prompt.campaignVersion,
    patientRef: prompt.patientRef,
    status: prompt.status,
    reason: prompt.reason,
    templateId: prompt.templateId,
    language: prompt.language,
    createdAt: prompt.createdAt.toISOString(),
    sentAt: iso(prompt.sentAt),
  };
}

export function auditEventView(event: {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  details: unknown;
}) {
  return { ...event, at: event.at.toISOString() };
}
