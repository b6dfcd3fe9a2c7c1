/** `careprompt campaigns dry-run <file-or-id> [--sample N] [--json | --csv]` */
import { stat } from 'node:fs/promises';
import { buildServices, templateCheck } from '../../app/index.ts';
import { type Campaign, loadCampaigns } from '../../campaigns/index.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger, silentLogger } from '../../log/index.ts';
import { type DryRunReport, dryRunCampaign, type Store } from '../../pipeline/index.ts';
import type { TemplateRegistry } from '../../render/index.ts';
import { InputError } from '../errors.ts';
import { printJson } from '../output.ts';
import { progressReporter } from '../progress.ts';
import { dryRunCsv, formatDryRun } from './dry-run-output.ts';

export interface DryRunCommandOptions {
  samples: number;
  format: 'text' | 'json' | 'csv';
}

export async function dryRunCommand(target: string, options: DryRunCommandOptions): Promise<number> {
  const config = loadConfig();
  const logger = options.format === 'text' ? createLogger({ level: config.logLevel }) : silentLogger;
  const services = await buildServices(config, logger);
  try {
    const { campaign, source } = await campaignToTry(target, services.store, services.templates, config.templatesDir);
    const onProgress = progressReporter(process.stderr);
    const report = await dryRunCampaign(campaign, services, { source, samples: options.samples, ...(onProgress ? { onProgress } : {}) });
    if (options.format === 'json') printJson(report);
    else if (options.format === 'csv') process.stdout.write(dryRunCsv(report.candidates));
    else console.log(formatDryRun(report));
    return 0;
  } finally {
    await services.close();
  }
}

/** A campaign file (validated exactly as `campaigns apply` validates it), else the applied campaign of that id. */
async function campaignToTry(
  target: string,
  store: Pick<Store, 'getCampaign' | 'listCampaigns'>,
  templates: TemplateRegistry,
  templatesDir: string,
): Promise<{ campaign: Campaign; source: DryRunReport['source'] }> {
  const file = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw new InputError(`cannot read ${target} (${error.code}): check the path and its permissions`);
  });
  if (file?.isDirectory()) throw new InputError(`${target} is a folder: dry-run takes one campaign file, or the id of an applied campaign`);
  if (file) {
    const [loaded] = await loadCampaigns(target, templateCheck(templates, templatesDir));
    if (loaded) return { campaign: loaded.campaign, source: 'file' };
  }
  const stored = await store.getCampaign(target);
  if (stored) return { campaign: stored.campaign, source: 'applied' };
  const applied = (await store.listCampaigns()).map(({ campaign }) => campaign.id);
  throw new InputError(
    `"${target}" is neither a campaign file nor the id of an applied campaign (applied: ${applied.join(', ') || 'none'}): give the path of a campaign file or one of those ids`,
  );
}
