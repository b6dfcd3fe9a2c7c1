/**
 * Expands the value sets campaigns name. A local file wins (the care manager's list is the one meant). Otherwise
 * the FHIR server's `$expand`, cached in PostgreSQL: an expansion fetched within a day is used as it is; an older
 * one is fetched again. When that refresh fails, an expansion up to a week old is still used, with a warning, so
 * a terminology service down for a while stops no campaign; past that, the campaign's decisions fail with a
 * ValueSetUnavailableError until the server answers, rather than run on a list nobody has checked for a week.
 */
import type { Expansion, Expansions } from '../criteria/index.ts';
import type { ValueSetResource } from '../fhir/index.ts';
import { errorFields, type Logger, silentLogger } from '../log/index.ts';
import { loadValueSetFiles } from './local-files.ts';
import { codesOfValueSet } from './value-set-codes.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** An expansion younger than this is used without asking the server. */
export const FRESH_FOR_MS = DAY_MS;
/** The oldest expansion used when the server cannot expand the value set again. */
export const STALE_LIMIT_MS = 7 * DAY_MS;

/** An expansion as the cache keeps it. */
export interface CachedExpansion {
  url: string;
  version: string | undefined;
  codes: string[];
  /** The FHIR base URL that expanded it. */
  source: string;
  fetchedAt: Date;
}

/** Where server expansions are kept between polls (PostgreSQL: src/store). */
export interface ExpansionCache {
  read(url: string): Promise<CachedExpansion | undefined>;
  write(expansion: CachedExpansion): Promise<void>;
}

/** The server that expands what no file lists (the FHIR gateway). */
export interface ValueSetServer {
  baseUrl: string;
  expandValueSet(url: string): Promise<ValueSetResource>;
}

export interface ValueSetSourceOptions {
  /** The folder of local ValueSet files (VALUESETS_DIR, default jobs/valuesets). */
  dir: string;
  /** Without one, only files are read (`campaigns validate`, which stays offline). */
  server?: { fhir: ValueSetServer; cache: ExpansionCache };
  /** Told of each stale expansion used (urls and error names only). Defaults to silent. */
  logger?: Logger;
}

/** A value set that cannot be expanded: names the url, why, and what to do. */
export class ValueSetUnavailableError extends Error {
  override readonly name = 'ValueSetUnavailableError';
  constructor(
    readonly url: string,
    problem: string,
  ) {
    super(`Value set ${url} ${problem}`);
  }
}

export function createValueSetSource(options: ValueSetSourceOptions) {
  const logger = options.logger ?? silentLogger;
  let files: Promise<Map<string, Expansion>> | undefined;
  // One fetch per url at a time: the polls and evaluations that ask meanwhile wait for it.
  const fetching = new Map<string, Promise<Expansion>>();

  async function fromServer(url: string, now: Date): Promise<Expansion> {
    const { server } = options;
    if (!server) {
      throw new ValueSetUnavailableError(url, `has no file in ${options.dir} and no FHIR server is configured: add a ValueSet file there`);
    }
    const cached = await server.cache.read(url);
    const usable = cached?.source === server.fhir.baseUrl ? cached : undefined;
    if (usable && ageMs(usable, now) < FRESH_FOR_MS) return expansionOf(usable);
    let fetch = fetching.get(url);
    if (!fetch) {
      fetch = refresh(server, url, now, usable).finally(() => fetching.delete(url));
      fetching.set(url, fetch);
    }
    return fetch;
  }

  async function refresh(
    server: NonNullable<ValueSetSourceOptions['server']>,
    url: string,
    now: Date,
    cached: CachedExpansion | undefined,
  ): Promise<Expansion> {
    const fetched = await expandOnServer(server.fhir, url, now);
    if (!('problem' in fetched)) {
      await server.cache.write(fetched);
      return expansionOf(fetched);
    }
    if (cached && ageMs(cached, now) <= STALE_LIMIT_MS) {
      logger.warn(
        { valueSetUrl: url, fetchedAt: cached.fetchedAt.toISOString(), problem: fetched.problem },
        'value set: expanding it again failed; using the cached expansion',
      );
      return expansionOf(cached);
    }
    const last = cached ? `; the last expansion (${cached.fetchedAt.toISOString()}) is more than 7 days old` : '';
    throw new ValueSetUnavailableError(
      url,
      `could not be expanded by the FHIR server (${fetched.problem})${last}: check that the server knows it (ValueSet/$expand?url=…), or add a ValueSet file to ${options.dir}`,
    );
  }

  return {
    async expand(urls: readonly string[], now: Date): Promise<Expansions> {
      if (urls.length === 0) return new Map();
      files ??= loadValueSetFiles(options.dir);
      const local = await files;
      const expanded = await Promise.all(urls.map(async (url) => local.get(url) ?? fromServer(url, now)));
      return new Map(expanded.map((expansion) => [expansion.url, expansion]));
    },
  };
}

/** The server's expansion, or why there is none (error names and FHIR's own messages: no patient data). */
async function expandOnServer(fhir: ValueSetServer, url: string, now: Date): Promise<CachedExpansion | { problem: string }> {
  let valueSet: ValueSetResource;
  try {
    valueSet = await fhir.expandValueSet(url);
  } catch (error) {
    const { name, message } = errorFields(error);
    return { problem: message ? `${name}: ${message}` : name };
  }
  const listed = codesOfValueSet(valueSet);
  if ('problem' in listed) return { problem: `its expansion ${listed.problem}` };
  const version = valueSet.version ?? valueSet.expansion?.identifier;
  return { url, version, codes: [...listed.codes], source: fhir.baseUrl, fetchedAt: now };
}

function ageMs(expansion: CachedExpansion, now: Date): number {
  return now.getTime() - expansion.fetchedAt.getTime();
}

function expansionOf(cached: CachedExpansion): Expansion {
  return { url: cached.url, version: cached.version, source: 'server', codes: new Set(cached.codes) };
}
