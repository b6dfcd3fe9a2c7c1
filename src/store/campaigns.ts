/** Campaign definitions and their polling state. */
import { Campaign, type LoadedCampaign, type PollState } from '../campaigns/index.ts';
import { lineDiff } from '../diff/index.ts';
import type { Campaign as CampaignRow } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';
import type { AuditAction } from './prompts.ts';

export interface StoredCampaign {
  campaign: Campaign;
  hash: string;
  /** The number of its latest version (campaign_versions); prompts record the one they were decided under. */
  version: number;
  state: PollState;
  updatedAt: Date;
}

/** A campaign row whose definition the Campaign schema rejects (edited by hand, or older than the schema). */
export class StoredCampaignError extends Error {
  override readonly name = 'StoredCampaignError';
  constructor(
    readonly campaignId: string,
    readonly field: string,
  ) {
    super(`campaign ${campaignId} in the database is invalid at ${field}: re-apply its file`);
  }
}

/** A stored definition through the Campaign schema: the one way the rest of careprompt reads a campaign's rules. */
export function parseStoredCampaign(id: string, definition: unknown): Campaign {
  const parsed = Campaign.safeParse(definition);
  if (!parsed.success) throw new StoredCampaignError(id, parsed.error.issues[0]?.path.join('.') || '(root)');
  return parsed.data;
}

export type ApplyChange = 'created' | 'updated' | 'unchanged';

/**
 * Applies campaigns in one transaction: all of them or none. Each created or changed campaign gets a new version:
 * its YAML, who applied it and the diff against the version before.
 */
export async function applyCampaigns(
  db: Db,
  loaded: ReadonlyArray<Pick<LoadedCampaign, 'campaign' | 'hash' | 'source'>>,
  actor: string,
): Promise<Array<{ id: string; change: ApplyChange; version: number }>> {
  return db.$transaction(async (tx) => {
    const results: Array<{ id: string; change: ApplyChange; version: number }> = [];
    for (const { campaign, hash, source } of loaded) {
      const existing = await tx.campaign.findUnique({
        where: { id: campaign.id },
        select: { definitionHash: true, definition: true, version: true },
      });
      const change: ApplyChange = !existing ? 'created' : existing.definitionHash === hash ? 'unchanged' : 'updated';
      const version = (existing?.version ?? 0) + (change === 'unchanged' ? 0 : 1);
      results.push({ id: campaign.id, change, version });
      if (change === 'unchanged') continue;
      const data = { name: campaign.name, active: campaign.active, definition: campaign, definitionHash: hash, version };
      // A new trigger (codes, statuses, window) covers resources the old polls never asked for: scan afresh.
      const before = existing ? Campaign.safeParse(existing.definition) : undefined;
      const triggerChanged = before && (!before.success || JSON.stringify(before.data.trigger) !== JSON.stringify(campaign.trigger));
      const resetPolling = triggerChanged ? { watermark: null, lastPolledAt: null, lastFullScanAt: null } : {};
      await tx.campaign.upsert({ where: { id: campaign.id }, create: { id: campaign.id, ...data }, update: { ...data, ...resetPolling } });
      await tx.auditEvent.create({
        data: {
          actor,
          action: `campaign.${change}` satisfies AuditAction,
          entityType: 'Campaign',
          entityId: campaign.id,
          details: { hash, active: campaign.active, version },
        },
      });
      const previous = await tx.campaignVersion.findFirst({
        where: { campaignId: campaign.id },
        orderBy: { version: 'desc' },
        select: { yaml: true },
      });
      await tx.campaignVersion.create({
        data: { campaignId: campaign.id, version, yaml: source, diff: lineDiff(previous?.yaml ?? '', source), actor },
      });
    }
    return results;
  });
}

export async function listCampaigns(db: Db, filter: { activeOnly?: boolean } = {}): Promise<StoredCampaign[]> {
  const rows = await db.campaign.findMany({ where: filter.activeOnly ? { active: true } : {}, orderBy: { id: 'asc' } });
  return rows.map(toStored);
}

export async function getCampaign(db: Db, id: string): Promise<StoredCampaign | undefined> {
  const row = await db.campaign.findUnique({ where: { id } });
  return row ? toStored(row) : undefined;
}

function toStored(row: CampaignRow): StoredCampaign {
  return {
    // Definitions were validated when applied; parsing again guards against hand-edited rows.
    campaign: parseStoredCampaign(row.id, row.definition),
    hash: row.definitionHash,
    version: row.version,
    updatedAt: row.updatedAt,
    state: {
      ...(row.watermark ? { watermark: row.watermark } : {}),
      ...(row.lastPolledAt ? { lastPolledAt: row.lastPolledAt } : {}),
      ...(row.lastFullScanAt ? { lastFullScanAt: row.lastFullScanAt } : {}),
    },
  };
}

export interface CampaignVersion {
  version: number;
  actor: string;
  createdAt: Date;
  yaml: string;
  diff: string;
}

/** A campaign's versions, newest first. */
export function listCampaignVersions(db: Db, campaignId: string): Promise<CampaignVersion[]> {
  return db.campaignVersion.findMany({
    where: { campaignId },
    orderBy: { version: 'desc' },
    select: { version: true, actor: true, createdAt: true, yaml: true, diff: true },
  });
}
