/**
 * Gathers what `doctor` judges: the server's CapabilityStatement and one search with credentials (through the
 * gateway, so with its authentication, timeout and retries), the active campaigns (from the database) and the
 * templates. Every failure becomes a finding, never an exception: the point is to report all of them at once.
 */
import { type Campaign, valueSetsOf } from '../campaigns/index.ts';
import { FhirAuthError, FhirDataError, type FhirGateway, FhirRequestError, FhirTransientError } from '../fhir/index.ts';
import { errorFields, type Logger } from '../log/index.ts';
import { loadTemplateRegistry, type TemplateRegistry } from '../render/index.ts';
import { type Db, listCampaigns } from '../store/index.ts';
import { codesOfValueSet, loadValueSetFiles } from '../valuesets/index.ts';
import { type Check, diagnose, type Probe, type ProbeFailure, tally, type ValueSetFinding } from './checks.ts';

/** The templates as loaded, or why they could not be. */
export type TemplateSource = { dir: string } & ({ registry: TemplateRegistry } | { loadError: unknown });

export interface ExamineDependencies {
  gateway: FhirGateway;
  baseUrl: string;
  db: Db;
  templates: TemplateSource;
  /** VALUESETS_DIR: the local ValueSet files, which win over the server's `$expand`. */
  valueSetsDir: string;
}

export interface Examination {
  checks: Check[];
  /** The refusal met when the server or its token endpoint refused the credentials: every request would meet it. */
  refusedCredentials?: FhirAuthError;
}

/** An id no patient has: the search proves the credentials work and returns nobody's data. */
const PROBE_PATIENT_ID = 'careprompt-doctor-probe';
/** For the one unauthenticated read of /metadata; the gateway's requests use FHIR_TIMEOUT_MS. */
const PUBLIC_METADATA_TIMEOUT_MS = 10_000;

export async function examine(dependencies: ExamineDependencies): Promise<Examination> {
  const { gateway } = dependencies;
  let refusedCredentials: FhirAuthError | undefined;
  const probe = async <T>(request: () => Promise<T>): Promise<Probe<T>> => {
    try {
      return { ok: true, value: await request() };
    } catch (error) {
      if (error instanceof FhirAuthError) refusedCredentials ??= error;
      return { ok: false, failure: failureOf(error) };
    }
  };
  const withCredentials = await probe(() => gateway.capabilities());
  // The gateway asks for a token before /metadata; refused, it never reads what SMART servers serve to anyone.
  const metadata =
    !withCredentials.ok && withCredentials.failure.kind === 'credentials'
      ? ((await readPublicMetadata(dependencies.baseUrl)) ?? withCredentials)
      : withCredentials;
  const reached = metadata.ok || metadata.failure.kind !== 'unreachable';
  const search = reached ? await probe(() => searchOnce(gateway)) : undefined;
  let campaigns: { ok: true; value: Campaign[] } | { ok: false; problem: string };
  try {
    campaigns = { ok: true, value: (await listCampaigns(dependencies.db, { activeOnly: true })).map((stored) => stored.campaign) };
  } catch (error) {
    campaigns = { ok: false, problem: `could not read the campaigns: ${describe(error)}` };
  }
  const valueSets =
    campaigns.ok && reached ? await examineValueSets(campaigns.value, dependencies, probe) : new Map<string, ValueSetFinding>();
  const checks = diagnose({
    baseUrl: dependencies.baseUrl,
    metadata,
    search,
    campaigns,
    templateProblem: templateProblemOf(dependencies.templates),
    readingProblem: readingProblemOf(dependencies.templates),
    valueSets,
    valueSetsDir: dependencies.valueSetsDir,
  });
  return refusedCredentials ? { checks, refusedCredentials } : { checks };
}

type Prober = <T>(request: () => Promise<T>) => Promise<Probe<T>>;

/** Each value set the campaigns name, from its local file or else expanded by the server (never the cache). */
async function examineValueSets(
  campaigns: readonly Campaign[],
  { gateway, valueSetsDir }: ExamineDependencies,
  probe: Prober,
): Promise<Map<string, ValueSetFinding>> {
  const urls = [...new Set(campaigns.flatMap(valueSetsOf))];
  const files = await probe(() => loadValueSetFiles(valueSetsDir));
  const findings = new Map<string, ValueSetFinding>();
  for (const url of urls) {
    // A folder that cannot be read may hold this very value set: that is the file's failure, not the server's.
    if (!files.ok) {
      findings.set(url, { origin: 'file', expansion: files });
      continue;
    }
    const file = files.value.get(url);
    if (file) {
      findings.set(url, { origin: 'file', expansion: { ok: true, value: { version: file.version, codes: file.codes.size } } });
      continue;
    }
    const expansion = await probe(async () => {
      const valueSet = await gateway.expandValueSet(url);
      const listed = codesOfValueSet(valueSet);
      if ('problem' in listed) throw new Error(`its expansion ${listed.problem}`);
      return { version: valueSet.version ?? valueSet.expansion?.identifier, codes: listed.codes.size };
    });
    findings.set(url, { origin: 'server', expansion });
  }
  return findings;
}

/** `GET <base>/metadata` without credentials, or undefined when that is not answered with JSON either. */
async function readPublicMetadata(baseUrl: string): Promise<Probe<unknown> | undefined> {
  try {
    const reply = await fetch(`${baseUrl}/metadata`, {
      headers: { accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(PUBLIC_METADATA_TIMEOUT_MS),
    });
    return reply.ok ? { ok: true, value: await reply.json() } : undefined;
  } catch {
    // The refusal found through the gateway stays the finding: it says more than a second failure would.
    return undefined;
  }
}

export async function loadTemplateSource(dir: string): Promise<TemplateSource> {
  try {
    return { dir, registry: await loadTemplateRegistry(dir) };
  } catch (error) {
    return { dir, loadError: error };
  }
}

/** A template's first problem (a missing file, a broken variant or partial), or undefined when it can be used. */
function templateProblemOf(source: TemplateSource): (templateId: string) => string | undefined {
  if ('loadError' in source) {
    // Only an unreadable TEMPLATES_DIR fails the whole load: then it is every template's problem.
    const problem = `the templates could not be loaded: ${describe(source.loadError)}`;
    return () => problem;
  }
  const { registry, dir } = source;
  return (templateId) => {
    if (!registry.has(templateId)) return `${dir}/${templateId}.hbs does not exist`;
    const [first] = registry.problemsOf(templateId);
    return first && `${first.file}: ${first.problem}`;
  };
}

/** A template's first variant above grade 8, as `<file>: <why>`, whatever the campaigns waive. */
function readingProblemOf(source: TemplateSource): (templateId: string) => string | undefined {
  if ('loadError' in source) return () => undefined;
  return (templateId) => {
    const [first] = source.registry.problemsFor({ template: templateId }).filter((problem) => problem.kind === 'reading-level');
    return first && `${first.file}: ${first.problem}`;
  };
}

async function searchOnce(gateway: FhirGateway): Promise<void> {
  // The first page is the whole answer.
  for await (const _page of gateway.searchPages('Patient', { _id: PROBE_PATIENT_ID, _count: '1' })) return;
}

/** By class: the gateway's errors carry ids and statuses only; anything else was thrown before a request was answered. */
function failureOf(error: unknown): ProbeFailure {
  if (error instanceof FhirTransientError) return { kind: 'unreachable', message: error.message };
  if (error instanceof FhirAuthError) return { kind: 'credentials', message: error.message };
  if (error instanceof FhirRequestError) return { kind: 'refused', status: error.status, message: error.message };
  if (error instanceof FhirDataError) return { kind: 'malformed', message: error.message };
  return { kind: 'unexpected', message: describe(error) };
}

/** An error as the logs give it: its name, its code and its message only where that is known to be safe. */
function describe(error: unknown): string {
  const { name, code, message } = errorFields(error);
  return [code ? `${name} ${code}` : name, ...(message ? [message] : [])].join(': ');
}

/**
 * For the worker: one line per warning or failure, with what was found and what to do (statuses, URLs, parameter
 * and variable names: no patient data), and a summary line.
 */
export function logChecks(logger: Logger, checks: readonly Check[]): void {
  for (const check of checks) {
    const { id, result, campaigns, detail, action } = check;
    const fields = { check: id, result, ...(campaigns ? { campaignIds: campaigns } : {}), detail, action };
    if (check.result === 'fail') logger.error(fields, `doctor: ${check.name}`);
    else if (check.result === 'warn') logger.warn(fields, `doctor: ${check.name}`);
  }
  const counts = tally(checks);
  const summary = 'doctor: server checks done; `careprompt doctor` says what to do about each one that did not pass';
  if (counts.fail > 0) logger.warn(counts, summary);
  else logger.info(counts, summary);
}
