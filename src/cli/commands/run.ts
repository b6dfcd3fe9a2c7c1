/** `careprompt run --once` and `careprompt worker`. */
import { buildMetrics, buildServices, runtimeOptions } from '../../app/index.ts';
import { loadConfig, loadMetricsConfig } from '../../config/index.ts';
import { examine, logChecks } from '../../doctor/index.ts';
import { createLogger, silentLogger } from '../../log/index.ts';
import { serveMetrics } from '../../metrics/index.ts';
import type { CampaignRunSummary, RunSummary } from '../../pipeline/index.ts';
import { type RunningWorker, runOnce, startWorker } from '../../queue/index.ts';
import { createDb } from '../../store/index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';

export async function runOnceCommand(options: { campaignId?: string; json: boolean }): Promise<number> {
  const config = loadConfig();
  const logger = options.json ? silentLogger : createLogger({ level: config.logLevel });
  const services = await buildServices(config, logger);
  try {
    const campaigns = (await services.store.listCampaigns({ activeOnly: true })).map((stored) => stored.campaign);
    const active = campaigns.map((campaign) => campaign.id);
    if (options.campaignId && !active.includes(options.campaignId)) {
      throw new UsageError(`campaign "${options.campaignId}" is not an active applied campaign (active: ${active.join(', ') || 'none'})`);
    }
    const selected = options.campaignId ? [options.campaignId] : active;
    const summary = await runOnce(services, { ...runtimeOptions(config), campaignIds: selected });
    if (options.json) printJson(summary);
    else console.log(formatRunSummary(summary));
    // The others ran; a campaign whose template is broken is bad input, reported after them.
    const broken = campaigns.filter((campaign) => selected.includes(campaign.id) && services.templates.problemsFor(campaign).length > 0);
    for (const campaign of broken) {
      for (const { file, problem } of services.templates.problemsFor(campaign)) {
        process.stderr.write(
          `careprompt: campaign ${campaign.id} did not run: template "${campaign.template}" cannot be used: ${file} ${problem}\n`,
        );
      }
    }
    if (broken.length > 0) return EXIT.badInput;
    return summary.totals.failed > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await services.close();
  }
}

export function formatRunSummary(summary: RunSummary): string {
  const table = formatTable(
    ['CAMPAIGN', 'MATCHED', 'SENT', 'DEFERRED', 'REVIEW', 'SKIPPED', 'FAILED', 'UNFINISHED', 'ALREADY', 'RECENT', 'NOT MATCHED', 'PAGES'],
    summary.campaigns.map((c) => [
      c.campaignId + (c.pollFailed ? ' (poll failed)' : ''),
      c.matched,
      c.prompts.sent,
      c.deferred.count,
      c.prompts.pending_review,
      c.prompts.skipped,
      c.prompts.failed,
      c.unfinished,
      c.alreadyHandled,
      c.recentlyPrompted,
      c.notMatched,
      c.pages,
    ]),
  );
  const { matched, sent, skipped, pendingReview } = summary.totals;
  // totals.failed (the exit code's) adds up three things; named apart, each matches its column.
  const sum = (value: (c: CampaignRunSummary) => number) => summary.campaigns.reduce((total, c) => total + value(c), 0);
  const [failed, unfinished, pollsFailed] = [sum((c) => c.prompts.failed), sum((c) => c.unfinished), sum((c) => Number(c.pollFailed))];
  const requests = summary.fhirRequests;
  const deferred = summary.campaigns.filter((c) => c.deferred.count > 0);
  return [
    table,
    '',
    // A line per campaign with deferred prompts: they are sent by a worker, or the first run after that time.
    ...deferred.map(
      (c) =>
        `${c.campaignId}: deferred ${c.deferred.count} until ${c.deferred.earliest}` +
        (c.deferred.latest !== c.deferred.earliest ? ` (the last until ${c.deferred.latest})` : ''),
    ),
    `matched ${matched}, sent ${sent}, pending review ${pendingReview}, skipped ${skipped}, failed ${failed}, unfinished ${unfinished}, polls failed ${pollsFailed}` +
      (summary.recovered.candidates + summary.recovered.prompts > 0
        ? `; recovered from earlier runs: ${summary.recovered.candidates} candidates, ${summary.recovered.prompts} prompts`
        : ''),
    `FHIR requests: ${requests.searchPages} search pages, ${requests.reads} reads, ${requests.creates} creates`,
  ].join('\n');
}

export async function workerCommand(): Promise<number> {
  const config = loadConfig();
  const metricsAddress = loadMetricsConfig();
  const logger = createLogger({ level: config.logLevel });
  const db = createDb(config.databaseUrl);
  // The metrics read the queues of the worker they are handed to, once it has started.
  let depths: RunningWorker['depths'] = async () => [];
  const metrics = buildMetrics(db, () => depths());
  const services = await buildServices(config, logger, db, metrics.instruments);
  const worker = await startWorker(services, { ...runtimeOptions(config), instruments: metrics.instruments });
  depths = worker.depths;
  const metricsServer = metricsAddress ? await serveMetrics(metrics, metricsAddress, logger) : undefined;
  if (metricsAddress) logger.info(metricsAddress, 'worker: metrics at /metrics');
  logger.info('worker: started; SIGTERM or SIGINT stops it gracefully');
  // The same checks as `doctor`, logged. Run beside the workers so start-up never waits on them. Only refused
  // credentials stop the worker (every request would be refused too); a server down now may be up by the first
  // poll, and any other failed check concerns only the campaigns it names.
  const refusedCredentials = examine({
    gateway: services.gateway,
    baseUrl: config.fhir.baseUrl,
    db: services.db,
    templates: { dir: config.templatesDir, registry: services.templates },
    valueSetsDir: config.valueSetsDir,
  })
    .then(({ checks, refusedCredentials }) => {
      logChecks(logger, checks);
      return refusedCredentials;
    })
    .catch((error: unknown) => {
      logger.error({ err: error }, 'doctor: checks failed');
      return undefined;
    });
  const fatal = await new Promise<Error | undefined>((resolve) => {
    process.once('SIGTERM', () => resolve(undefined));
    process.once('SIGINT', () => resolve(undefined));
    void worker.fatal.then(resolve);
    void refusedCredentials.then((refusal) => refusal && resolve(refusal));
  });
  logger.info('worker: stopping (finishing jobs in progress)');
  await worker.stop();
  await refusedCredentials;
  metricsServer?.close();
  await services.close();
  await db.$disconnect();
  // Printed by the command line with exit code 1: every further request would be refused too.
  if (fatal) throw fatal;
  return 0;
}
