/** `careprompt campaigns validate|apply|list` */
import { stat } from 'node:fs/promises';
import { templateCheck } from '../../app/index.ts';
import { type CampaignCheck, loadCampaigns, triggerOf } from '../../campaigns/index.ts';
import { loadAdminConfig, loadTemplatesConfig } from '../../config/index.ts';
import { loadTemplateRegistry } from '../../render/index.ts';
import { applyCampaigns, createDb, listCampaigns, type StoredCampaign } from '../../store/index.ts';
import { formatTable, printJson } from '../output.ts';

export interface CampaignCommandOptions {
  json: boolean;
  actor: string;
}

async function templateCheckOf(templatesDir: string): Promise<CampaignCheck> {
  return templateCheck(await loadTemplateRegistry(templatesDir), templatesDir);
}

/** Validation needs no database: DATABASE_URL is not required for it. */
export async function validateCampaigns(path: string, options: CampaignCommandOptions): Promise<number> {
  const loaded = await loadCampaigns(path, await templateCheckOf(loadTemplatesConfig().templatesDir));
  if (options.json) printJson(loaded.map(({ file, campaign, hash }) => ({ file, id: campaign.id, hash })));
  else for (const { file, campaign } of loaded) console.log(`ok  ${campaign.id}  (${file})`);
  return 0;
}

export async function applyCampaignFiles(path: string, options: CampaignCommandOptions): Promise<number> {
  const config = loadAdminConfig();
  const loaded = await loadCampaigns(path, await templateCheckOf(config.templatesDir));
  const db = createDb(config.databaseUrl);
  try {
    const changes = await applyCampaigns(db, loaded, options.actor);
    if (options.json) printJson(changes);
    else for (const { id, change } of changes) console.log(`${change.padEnd(9)}  ${id}`);
    // A single file says nothing about the others; a folder is the whole set, so one missing from it was retired
    // by someone who may not know that deleting a file stops nothing.
    if ((await stat(path)).isDirectory()) {
      const applied = new Set(loaded.map(({ campaign }) => campaign.id));
      for (const id of activeNotIn(await listCampaigns(db, { activeOnly: true }), applied)) {
        process.stderr.write(
          `careprompt: warning: campaign ${id} is stored but not in ${path}: still active; to stop it, set \`active: false\` in its file and apply it\n`,
        );
      }
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}

/** The stored active campaigns a folder no longer holds (never deactivated here: that is a decision to make). */
function activeNotIn(stored: StoredCampaign[], applied: ReadonlySet<string>): string[] {
  return stored.filter(({ campaign }) => campaign.active && !applied.has(campaign.id)).map(({ campaign }) => campaign.id);
}

export async function printCampaigns(options: Pick<CampaignCommandOptions, 'json'>): Promise<number> {
  const db = createDb(loadAdminConfig().databaseUrl);
  try {
    const campaigns = await listCampaigns(db);
    if (options.json) {
      printJson(campaigns.map(({ campaign, hash, state }) => ({ ...campaign, hash, state })));
      return 0;
    }
    console.log(
      formatTable(
        ['ID', 'ACTIVE', 'TRIGGER', 'SCHEDULE', 'TEMPLATE', 'REVIEW', 'LAST POLL'],
        campaigns.map(({ campaign, state }) => [
          campaign.id,
          campaign.active ? 'yes' : 'no',
          triggerOf(campaign).resource,
          `${campaign.schedule.cron} ${campaign.schedule.timezone}`,
          campaign.template,
          campaign.review,
          state.lastPolledAt?.toISOString(),
        ]),
      ),
    );
    return 0;
  } finally {
    await db.$disconnect();
  }
}
