/** The `careprompt` command line. */
import { parseArgs } from 'node:util';
import { CampaignFileError } from '../campaigns/index.ts';
import { ConfigError, cliActor, loadAdminConfig } from '../config/index.ts';
import { TemplateError } from '../render/index.ts';
import { databaseConnectionProblem, type PromptStatus } from '../store/index.ts';
import { ValueSetFileError } from '../valuesets/index.ts';
import { applyCampaignFiles, printCampaigns, validateCampaigns } from './commands/campaigns.ts';
import { doctorCommand } from './commands/doctor.ts';
import { dryRunCommand } from './commands/dry-run.ts';
import { generateKeysCommand, jwksCommand } from './commands/keys.ts';
import { listOutreach } from './commands/outreach.ts';
import { optInCommand, optOutCommand, resultsByMessageCommand, showPatientCommand } from './commands/patients.ts';
import { retryOutreach } from './commands/retry.ts';
import { reviewOutreach } from './commands/review.ts';
import { runOnceCommand, workerCommand } from './commands/run.ts';
import { checkTemplates } from './commands/templates.ts';
import { EXIT, InputError, UsageError } from './errors.ts';
import { redisProblem } from './redis-problem.ts';

const USAGE = `careprompt — personalized self-management prompts from EHR data

Usage:
  careprompt campaigns validate <file-or-folder>   check campaign files (nothing is applied)
  careprompt campaigns apply <file-or-folder>      validate, then store them (all or nothing)
  careprompt campaigns list [--json]
  careprompt campaigns dry-run <file-or-id> [--sample N] [--json | --csv]   what a campaign would do now; writes nothing
  careprompt run --once [--campaign <id>] [--json] poll active campaigns once and send what is due
  careprompt worker                                schedules, workers and sweeps until SIGTERM
  careprompt doctor [--json]                       check the FHIR server supports what the active campaigns need
  careprompt templates check [dir] [--json]        reading grade, sentence and word lengths and footer of every template
  careprompt outreach list [--campaign <id>] [--patient <Patient/id>] [--status <status>] [--limit N] [--json]
  careprompt outreach approve <prompt-id> --reviewer <name> [--note <text>]   send a prompt held for review
  careprompt outreach reject <prompt-id> --reviewer <name> --note <why>       withhold it for good
  careprompt outreach retry <prompt-id> [--by <name>] [--force]                queue a failed prompt again
  careprompt outreach retry --campaign <id> --status failed [--since <date or duration>] [--by <name>] [--force]
  careprompt patients opt-out Patient/<id> [--campaign <id>] --by <name> --reason <text>   no prompts for this patient
  careprompt patients opt-in Patient/<id> [--campaign <id>] --by <name> [--reason <text>]   undo a local opt-out
  careprompt patients results-by-message yes|no|clear Patient/<id> [--note <text>] [--by <name>]   results by portal message, or not
  careprompt patients show Patient/<id> [--json]   local opt-outs, results preference, recent prompts, the next deferred prompt
  careprompt serve                                 the HTTP API, its docs (/docs) and the console, until SIGTERM
  careprompt users add <email> --role admin|care_manager|clinician [--password-stdin]   an account (password typed, not echoed)
  careprompt users list [--json]
  careprompt tokens create <name> --role <role>    an API token for a machine, printed once
  careprompt tokens list [--json]
  careprompt tokens revoke <token-id>
  careprompt keys generate --out <dir> [--alg ES384|RS384]   a key pair for SMART Backend Services (FHIR_AUTH=smart-backend)
  careprompt keys jwks <private-key-file> [--kid <id>]       print the public JWKS to register with the EHR

Exit codes: 0 ok, 1 failure, 2 bad input. Configuration comes from the environment (see README).`;

const STATUSES: PromptStatus[] = ['pending_review', 'queued', 'sent', 'failed', 'skipped'];
const MAX_LIMIT = 10_000;
const MAX_SAMPLES = 1000;

/** `--limit -1` as `--limit=-1` (and `--sample`): the argument parser would take `-1` for an option and say something obscure. */
function joinNegativeLimit(argv: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const [arg, next] = [argv[index] ?? '', argv[index + 1]];
    if ((arg === '--limit' || arg === '--sample') && next?.startsWith('-')) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else joined.push(arg);
  }
  return joined;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinNegativeLimit(argv),
    allowPositionals: true,
    options: {
      once: { type: 'boolean', default: false },
      campaign: { type: 'string' },
      patient: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      sample: { type: 'string', default: '3' },
      reviewer: { type: 'string' },
      note: { type: 'string' },
      out: { type: 'string' },
      alg: { type: 'string', default: 'ES384' },
      kid: { type: 'string' },
      by: { type: 'string' },
      since: { type: 'string' },
      force: { type: 'boolean', default: false },
      reason: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, target] = positionals;
  const json = values.json;
  const actor = cliActor();

  if (values.help || !command) return print(USAGE, values.help ? EXIT.ok : EXIT.badInput);
  if (command === 'campaigns' && sub === 'validate' && target) return validateCampaigns(target, { json, actor });
  if (command === 'campaigns' && sub === 'apply' && target) return applyCampaignFiles(target, { json, actor });
  if (command === 'campaigns' && sub === 'list') return printCampaigns({ json });
  if (command === 'campaigns' && sub === 'dry-run' && target) {
    if (json && values.csv) throw new UsageError('campaigns dry-run takes --json or --csv, not both');
    const samples = /^\d{1,4}$/.test(values.sample) ? Number(values.sample) : Number.NaN;
    if (!(samples <= MAX_SAMPLES)) throw new InputError(`--sample must be a whole number from 0 to ${MAX_SAMPLES}, not "${values.sample}"`);
    return dryRunCommand(target, { samples, format: json ? 'json' : values.csv ? 'csv' : 'text' });
  }
  if (command === 'run') {
    if (!values.once) throw new UsageError('run needs --once (for continuous operation use `careprompt worker`)');
    return runOnceCommand({ json, ...(values.campaign ? { campaignId: values.campaign } : {}) });
  }
  if (command === 'worker') return workerCommand();
  if (command === 'doctor') return doctorCommand({ json });
  if (command === 'templates' && sub === 'check') return checkTemplates(target, { json });
  if (command === 'outreach' && sub === 'list') {
    const status = values.status as PromptStatus | undefined;
    if (status && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = /^\d{1,5}$/.test(values.limit) ? Number(values.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT))
      throw new InputError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${values.limit}"`);
    return listOutreach({
      json,
      limit,
      ...(values.campaign ? { campaignId: values.campaign } : {}),
      ...(values.patient ? { patientRef: values.patient } : {}),
      ...(status ? { status } : {}),
    });
  }
  if (command === 'outreach' && sub === 'retry') {
    const by = { actor: values.by ?? actor, force: values.force };
    if (target) return retryOutreach({ promptId: target }, by);
    if (!values.campaign) throw new UsageError('outreach retry needs a <prompt-id>, or --campaign <id> --status failed');
    return retryOutreach({ campaignId: values.campaign, status: values.status, since: values.since }, by);
  }
  if (command === 'outreach' && (sub === 'approve' || sub === 'reject') && target) {
    return reviewOutreach(target, { decision: sub, reviewer: values.reviewer, note: values.note });
  }
  if (command === 'patients' && (sub === 'opt-out' || sub === 'opt-in')) {
    const change = { campaignId: values.campaign, by: values.by, reason: values.reason };
    return sub === 'opt-out' ? optOutCommand(target, change) : optInCommand(target, change);
  }
  if (command === 'patients' && sub === 'results-by-message') {
    return resultsByMessageCommand(target, positionals[3], { by: values.by ?? actor, note: values.note });
  }
  if (command === 'patients' && sub === 'show') return showPatientCommand(target, { json });
  // Loaded on demand: the HTTP server and the argon2 binding would slow every other command's start.
  if (command === 'serve') return (await import('./commands/serve.ts')).serveCommand();
  if (command === 'users' || command === 'tokens') {
    const accounts = await import('./commands/accounts.ts');
    if (command === 'users' && sub === 'add' && target)
      return accounts.addUser(target, { role: values.role, passwordStdin: values['password-stdin'], actor });
    if (command === 'users' && sub === 'list') return accounts.printUsers({ json });
    if (command === 'tokens' && sub === 'create' && target) return accounts.createToken(target, { role: values.role, actor });
    if (command === 'tokens' && sub === 'list') return accounts.printTokens({ json });
    if (command === 'tokens' && sub === 'revoke' && target) return accounts.revokeToken(target, { actor });
  }
  if (command === 'keys' && sub === 'generate') {
    if (!values.out) throw new UsageError('keys generate needs --out <dir>');
    return generateKeysCommand({ out: values.out, alg: values.alg });
  }
  if (command === 'keys' && sub === 'jwks' && target) return jwksCommand(target, values.kid ? { kid: values.kid } : {});
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

function print(text: string, code: number): number {
  (code === EXIT.ok ? process.stdout : process.stderr).write(`${text}\n`);
  return code;
}

/** Maps failures to exit codes; messages carry ids and field names only, never patient data. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof CampaignFileError ||
      error instanceof TemplateError ||
      error instanceof ValueSetFileError ||
      error instanceof InputError
    ) {
      return print(`careprompt: ${error.message}${error instanceof UsageError ? `\n\n${USAGE}` : ''}`, EXIT.badInput);
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return print(`careprompt: ${error.message}\n\n${USAGE}`, EXIT.badInput);
    }
    const database = databaseConnectionProblem(error, () => loadAdminConfig().databaseUrl);
    if (database) return print(`careprompt: ${database}`, EXIT.failure);
    const redis = redisProblem(error, () => loadAdminConfig().redisUrl);
    if (redis) return print(`careprompt: ${redis}`, EXIT.failure);
    return print(`careprompt: failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, EXIT.failure);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
