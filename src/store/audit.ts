/** The audit log as people read it: filtered, newest first, and every event of one prompt or campaign. */
import type { AuditEntity, Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';

export const AUDIT_ENTITIES = ['Campaign', 'Prompt', 'User', 'ApiToken', 'Patient'] as const satisfies readonly AuditEntity[];

export interface AuditEvent {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entityType: (typeof AUDIT_ENTITIES)[number];
  entityId: string;
  details: unknown;
}

export interface AuditFilter {
  entityType?: AuditEvent['entityType'];
  entityId?: string;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export function searchAudit(db: Db, filter: AuditFilter): Promise<AuditEvent[]> {
  const where: Prisma.AuditEventWhereInput = {
    ...(filter.entityType ? { entityType: filter.entityType } : {}),
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
  };
  return db.auditEvent.findMany({ where, orderBy: [{ at: 'desc' }, { id: 'asc' }], take: filter.limit });
}

/** Writes one event for a change a person made through the API (campaign state, preferences). */
export async function recordAudit(db: Db, event: Omit<AuditEvent, 'id' | 'at' | 'details'> & { details?: Record<string, string> }) {
  await db.auditEvent.create({ data: { ...event, details: event.details ?? {} } });
}
