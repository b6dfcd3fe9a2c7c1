/**
 * Value sets: local files (their errors name the file and the field), the gateway's `$expand` (paging, malformed
 * answers) against msw, and the source's cache (fresh for a day, stale for up to a week when the server fails).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirGateway, FhirDataError, FhirRequestError } from '../../src/fhir/index.ts';
import {
  type CachedExpansion,
  createValueSetSource,
  type ExpansionCache,
  loadValueSetFiles,
  parseValueSetFile,
  ValueSetFileError,
  ValueSetUnavailableError,
} from '../../src/valuesets/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const server = useMswServer();
const EXPAND = `${FHIR_BASE}/ValueSet/$expand`;
const DIABETES = 'https://careprompt.example/fhir/ValueSet/diabetes';
const SNOMED = 'http://snomed.info/sct';
const HOUR_MS = 3_600_000;
const NOW = new Date('2026-12-01T06:00:00Z');
const later = (hours: number) => new Date(NOW.getTime() + hours * HOUR_MS);

// biome-ignore lint/suspicious/noExplicitAny: FHIR JSON as a server would send it, malformed on purpose in places
type Json = Record<string, any>;

const concept = (code: string) => ({ system: SNOMED, code });

/** A server's `$expand` answer for `codes`, paged by the request's offset and count when `paged`. */
function expandHandler(codes: string[], options: { version?: string; paged?: boolean } = {}) {
  const requests: URLSearchParams[] = [];
  const handler = http.get(EXPAND, ({ request }) => {
    const params = new URL(request.url).searchParams;
    requests.push(params);
    const offset = Number(params.get('offset') ?? 0);
    const count = Number(params.get('count') ?? codes.length);
    const page = options.paged ? codes.slice(offset, offset + count) : codes;
    return HttpResponse.json({
      resourceType: 'ValueSet',
      id: 'diabetes',
      url: params.get('url'),
      ...(options.version ? { version: options.version } : {}),
      status: 'active',
      expansion: { ...(options.paged ? { total: codes.length, offset } : {}), contains: page.map(concept) },
    });
  });
  return { handler, requests };
}

const gateway = (pageSize = 500) => createFhirGateway({ baseUrl: FHIR_BASE, maxAttempts: 1, pageSize });

describe('local ValueSet files', () => {
  const file = 'jobs/valuesets/diabetes.json';
  const valid = {
    resourceType: 'ValueSet',
    url: DIABETES,
    version: '2',
    compose: { include: [{ system: SNOMED, concept: [{ code: '44054006' }] }] },
  };

  it('lists the codes of compose.include[].concept with the file’s version', () => {
    const expansion = parseValueSetFile(file, JSON.stringify(valid));
    expect(expansion).toEqual({ url: DIABETES, version: '2', source: 'file', codes: new Set([`${SNOMED}|44054006`]) });
  });

  it.each([
    ['text that is not JSON', '{ "resourceType": ', `${file}: is not JSON`],
    ['another resource type', JSON.stringify({ ...valid, resourceType: 'CodeSystem' }), `${file}: resourceType must be "ValueSet"`],
    ['no url', JSON.stringify({ ...valid, url: '' }), `${file}: url must be the canonical URL campaigns name`],
    [
      'a filter',
      JSON.stringify({
        ...valid,
        compose: { include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }] },
      }),
      `${file}: compose.include[0] needs system and concept`,
    ],
    ['no codes', JSON.stringify({ ...valid, compose: { include: [] } }), `${file}: lists no codes`],
  ])('refuses %s, naming the file and the field', (_case, text, message) => {
    const error = (() => {
      try {
        return parseValueSetFile(file, text);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ValueSetFileError);
    expect((error as Error).message).toContain(message);
  });

  describe('a folder', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'careprompt-valuesets-'));
    });
    afterAll(() => rm(dir, { recursive: true }));

    it('refuses two files of one url, naming the second', async () => {
      await writeFile(join(dir, 'a.json'), JSON.stringify(valid));
      await writeFile(join(dir, 'b.json'), JSON.stringify({ ...valid, version: '3' }));
      await expect(loadValueSetFiles(dir)).rejects.toThrow(`${join(dir, 'b.json')}: url ${DIABETES} is also the url of another file`);
    });

    it('is empty when it does not exist', async () => {
      expect(await loadValueSetFiles(join(dir, 'missing'))).toEqual(new Map());
    });
  });
});

describe('gateway.expandValueSet', () => {
  it('follows offset and count until expansion.total, joining the pages', async () => {
    const { handler, requests } = expandHandler(['1', '2', '3', '4', '5'], { paged: true, version: '7' });
    server.use(handler);

    const valueSet = await gateway(2).expandValueSet(DIABETES);

    expect(valueSet.version).toBe('7');
    expect(valueSet.expansion?.contains?.map((entry) => entry.code)).toEqual(['1', '2', '3', '4', '5']);
    expect(requests.map((params) => [params.get('url'), params.get('offset'), params.get('count')])).toEqual([
      [DIABETES, '0', '2'],
      [DIABETES, '2', '2'],
      [DIABETES, '4', '2'],
    ]);
  });

  it('takes an answer without a total as the whole expansion', async () => {
    const { handler, requests } = expandHandler(['1', '2', '3']);
    server.use(handler);
    const valueSet = await gateway(2).expandValueSet(DIABETES);
    expect(valueSet.expansion?.contains).toHaveLength(3);
    expect(requests).toHaveLength(1);
  });

  it.each<[string, Json, string]>([
    ['a total that is not a number', { url: DIABETES, expansion: { total: 'many', contains: [] } }, 'expansion.total'],
    ['another value set', { url: 'https://elsewhere/ValueSet/x', expansion: { contains: [] } }, 'url'],
    ['no expansion', { url: DIABETES, compose: { include: [] } }, 'expansion'],
    ['an empty page short of the total', { url: DIABETES, expansion: { total: 4, contains: [] } }, 'expansion.contains'],
  ])('refuses %s with a FhirDataError naming the field', async (_case, body, field) => {
    server.use(http.get(EXPAND, () => HttpResponse.json({ resourceType: 'ValueSet', id: 'vs-1', status: 'active', ...body })));
    const error = await gateway()
      .expandValueSet(DIABETES)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FhirDataError);
    expect(error).toMatchObject({ resourceType: 'ValueSet', resourceId: 'vs-1', field });
  });

  it('reports a value set the server does not know as a 404', async () => {
    server.use(http.get(EXPAND, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [] }, { status: 404 })));
    const error = await gateway()
      .expandValueSet(DIABETES)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ status: 404 });
  });
});

describe('the value set source', () => {
  /** A cache held in a Map (the store's PostgreSQL table is tested in test/integration/value-sets.test.ts). */
  function memoryCache(initial: CachedExpansion[] = []): ExpansionCache & { rows: Map<string, CachedExpansion> } {
    const rows = new Map(initial.map((row) => [row.url, row]));
    return {
      rows,
      read: async (url) => rows.get(url),
      write: async (row) => {
        rows.set(row.url, row);
      },
    };
  }
  const cachedAt = (fetchedAt: Date, version = '1'): CachedExpansion => ({
    url: DIABETES,
    version,
    codes: [`${SNOMED}|old`],
    source: FHIR_BASE,
    fetchedAt,
  });

  function source(cache: ExpansionCache, dir = 'test/fixtures/no-valuesets') {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const fhir = gateway();
    const valueSets = createValueSetSource({
      dir,
      server: { fhir: { baseUrl: FHIR_BASE, expandValueSet: (url) => fhir.expandValueSet(url) }, cache },
      logger,
    });
    return { valueSets, lines, fhir };
  }

  it('expands on the server, caches the expansion with its version, and serves it from the cache for a day', async () => {
    const { handler, requests } = expandHandler(['44054006'], { version: '2026-11' });
    server.use(handler);
    const cache = memoryCache();
    const { valueSets } = source(cache);

    const first = await valueSets.expand([DIABETES], NOW);
    const within = await valueSets.expand([DIABETES], later(23.9));

    expect(first.get(DIABETES)).toEqual({ url: DIABETES, version: '2026-11', source: 'server', codes: new Set([`${SNOMED}|44054006`]) });
    expect(within.get(DIABETES)).toEqual(first.get(DIABETES));
    expect(cache.rows.get(DIABETES)).toEqual({
      url: DIABETES,
      version: '2026-11',
      codes: [`${SNOMED}|44054006`],
      source: FHIR_BASE,
      fetchedAt: NOW,
    });
    expect(requests).toHaveLength(1);
  });

  it('expands again after 24 hours and keeps the new expansion', async () => {
    const { handler, requests } = expandHandler(['44054006', '73211009'], { version: '2026-12' });
    server.use(handler);
    const cache = memoryCache([cachedAt(NOW)]);

    const expanded = await source(cache).valueSets.expand([DIABETES], later(24));

    expect(requests).toHaveLength(1);
    expect(expanded.get(DIABETES)?.version).toBe('2026-12');
    expect(cache.rows.get(DIABETES)).toMatchObject({ version: '2026-12', fetchedAt: later(24) });
  });

  it('ignores an expansion cached from another FHIR server', async () => {
    const { handler, requests } = expandHandler(['44054006']);
    server.use(handler);
    const cache = memoryCache([{ ...cachedAt(NOW), source: 'https://old-ehr.example/fhir' }]);
    await source(cache).valueSets.expand([DIABETES], later(1));
    expect(requests).toHaveLength(1);
  });

  it('uses an expansion up to 7 days old when the server fails, with a warning naming the url only', async () => {
    server.use(http.get(EXPAND, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [] }, { status: 500 })));
    const cache = memoryCache([cachedAt(NOW)]);
    const { valueSets, lines } = source(cache);

    const expanded = await valueSets.expand([DIABETES], later(7 * 24));

    expect(expanded.get(DIABETES)).toEqual({ url: DIABETES, version: '1', source: 'server', codes: new Set([`${SNOMED}|old`]) });
    expect(cache.rows.get(DIABETES)?.fetchedAt).toEqual(NOW);
    const [warning] = lines.map((line) => JSON.parse(line) as Json);
    expect(warning).toMatchObject({
      level: 40,
      valueSetUrl: DIABETES,
      msg: 'value set: expanding it again failed; using the cached expansion',
    });
    expect(warning?.problem).toContain('HTTP 500');
  });

  it('fails past 7 days, naming the url, why and what to do', async () => {
    server.use(http.get(EXPAND, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [] }, { status: 404 })));
    const { valueSets } = source(memoryCache([cachedAt(NOW)]));

    const error = await valueSets.expand([DIABETES], later(7 * 24 + 1)).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ValueSetUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Value set ${DIABETES} could not be expanded by the FHIR server \\(FhirRequestError: .*HTTP 404.*\\); the last expansion .* is more than 7 days old: check`,
      ),
    );
  });

  it('fails at once when nothing was ever cached', async () => {
    server.use(http.get(EXPAND, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [] }, { status: 404 })));
    await expect(source(memoryCache()).valueSets.expand([DIABETES], NOW)).rejects.toBeInstanceOf(ValueSetUnavailableError);
  });

  it('asks the server once for a url however many callers ask at the same time', async () => {
    const { handler, requests } = expandHandler(['44054006']);
    server.use(handler);
    const { valueSets } = source(memoryCache());

    const answers = await Promise.all([1, 2, 3].map(() => valueSets.expand([DIABETES], NOW)));

    expect(requests).toHaveLength(1);
    expect(answers.map((answer) => answer.get(DIABETES)?.codes)).toEqual([1, 2, 3].map(() => new Set([`${SNOMED}|44054006`])));
  });

  describe('with a local file', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'careprompt-valuesets-'));
      const file = {
        resourceType: 'ValueSet',
        url: DIABETES,
        version: 'local',
        compose: { include: [{ system: SNOMED, concept: [{ code: 'x' }] }] },
      };
      await writeFile(join(dir, 'diabetes.json'), JSON.stringify(file));
    });
    afterAll(() => rm(dir, { recursive: true }));

    it('takes the file and asks the server nothing', async () => {
      // msw fails any request it has no handler for.
      const { valueSets, fhir } = source(memoryCache(), dir);
      expect((await valueSets.expand([DIABETES], NOW)).get(DIABETES)).toMatchObject({ source: 'file', version: 'local' });
      expect(fhir.counts().reads).toBe(0);
    });
  });
});
