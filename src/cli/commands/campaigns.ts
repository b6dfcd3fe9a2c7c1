/** `careprompt campaigns validate|apply|list` */
import { stat } from 'node:fs/promises';
import { buildGateway, buildValueSetSource, templateCheck, valueSetProblems } from '../../app/index.ts';
import {
  type CampaignCheck,
  CampaignFileError,
  type LoadedCampaign,
  loadCampaigns,
  triggerOf,
  valueSetsOf,
} from '../../campaigns/index.ts';
import { loadAdminConfig, loadConfig, loadTemplatesConfig, loadValueSetsConfig } from '../../config/index.ts';
import { silentLogger } from '../../log/index.ts';
import { loadTemplateRegistry } from '../../render/index.ts';
import { applyCampaigns, createDb, type Db, listCampaigns, type StoredCampaign } from '../../store/index.ts';
import { loadValueSetFiles } from '../../valuesets/index.ts';
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
  // Offline: only the local files are read; the server's expansions are for apply and doctor to check.
  const { valueSetsDir } = loadValueSetsConfig();
  const local = await loadValueSetFiles(valueSetsDir);
  for (const url of namedValueSets(loaded).filter((named) => !local.has(named))) {
    process.stderr.write(
      `careprompt: note: value set ${url} has no file in ${valueSetsDir}: the FHIR server will expand it (\`careprompt doctor\` checks that it can)\n`,
    );
  }
  if (options.json) printJson(loaded.map(({ file, campaign, hash }) => ({ file, id: campaign.id, hash })));
  else for (const { file, campaign } of loaded) console.log(`ok  ${campaign.id}  (${file})`);
  return 0;
}

export async function applyCampaignFiles(path: string, options: CampaignCommandOptions): Promise<number> {
  const config = loadAdminConfig();
  const loaded = await loadCampaigns(path, await templateCheckOf(config.templatesDir));
  const db = createDb(config.databaseUrl);
  try {
    const problems = valueSetProblems(loaded, await valueSetProblemOf(namedValueSets(loaded), db));
    if (problems.length > 0) throw new CampaignFileError(problems);
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

function namedValueSets(loaded: readonly LoadedCampaign[]): string[] {
  return [...new Set(loaded.flatMap(({ campaign }) => valueSetsOf(campaign)))];
}

/**
 * Why each value set cannot be used: none when a local file lists it; else, with a FHIR server configured
 * (FHIR_BASE_URL), its expansion as the engine would get it (the cache, else `$expand`, then cached).
 */
async function valueSetProblemOf(urls: readonly string[], db: Db): Promise<(url: string) => string | undefined> {
  const { valueSetsDir } = loadValueSetsConfig();
  const local = await loadValueSetFiles(valueSetsDir);
  const remote = urls.filter((url) => !local.has(url));
  const problems = new Map<string, string>();
  if (remote.length > 0 && !process.env.FHIR_BASE_URL) {
    for (const url of remote) {
      problems.set(
        url,
        `${url} has no file in ${valueSetsDir} and no FHIR server is configured to expand it: add a ValueSet file there, or set FHIR_BASE_URL`,
      );
    }
  } else if (remote.length > 0) {
    const config = loadConfig();
    const source = buildValueSetSource(config, buildGateway(config, silentLogger), db, silentLogger);
    for (const url of remote) {
      await source.expand([url], new Date()).catch((error: unknown) => {
        problems.set(url, error instanceof Error ? error.message : String(error));
      });
    }
  }
  return (url) => problems.get(url);
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
