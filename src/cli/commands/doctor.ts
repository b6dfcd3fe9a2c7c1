/** `careprompt doctor`: what the FHIR server supports, checked against what the active campaigns will ask of it. */

import { buildGateway } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { type Check, type CheckResult, examine, loadTemplateSource, tally } from '../../doctor/index.ts';
import { createLogger, silentLogger } from '../../log/index.ts';
import { createDb } from '../../store/index.ts';
import { EXIT } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';

const SYMBOLS: Record<CheckResult, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

export async function doctorCommand(options: { json: boolean }): Promise<number> {
  const config = loadConfig();
  const logger = options.json ? silentLogger : createLogger({ level: config.logLevel });
  const db = createDb(config.databaseUrl);
  try {
    const { checks } = await examine({
      gateway: buildGateway(config, logger),
      baseUrl: config.fhir.baseUrl,
      db,
      templates: await loadTemplateSource(config.templatesDir),
      valueSetsDir: config.valueSetsDir,
    });
    const counts = tally(checks);
    if (options.json) printJson({ ok: counts.fail === 0, counts, checks });
    else console.log(formatChecks(checks));
    return counts.fail === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    await db.$disconnect();
  }
}

export function formatChecks(checks: readonly Check[]): string {
  const table = formatTable(
    ['', 'CHECK', 'CAMPAIGNS', 'FOUND / WHAT TO DO'],
    checks.map((check) => [
      SYMBOLS[check.result],
      check.name,
      check.campaigns?.join(', ') ?? 'all',
      [check.detail, check.action].filter(Boolean).join(' → '),
    ]),
  );
  const { pass, warn, fail, skip } = tally(checks);
  return `${table}\n\n${checks.length} checks: ${pass} passed, ${warn} warnings, ${fail} failed, ${skip} skipped`;
}
