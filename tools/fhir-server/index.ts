/**
 * careprompt's own FHIR R4 server: Medplum's FhirRouter and MemoryRepository behind `node:http`, with what they
 * lack for our use (validation, paging links, includes, indexes, refusal of searches they would answer wrongly).
 * For the demo, integration tests and benchmarks: everything stays in memory. By default every caller is
 * trusted; `strict` options make it behave like a real EHR (tokens, include cap, 409s, rate limit).
 */
import { createServer, type Server } from 'node:http';
import { getStatus } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import { createLogger } from '../../src/log/index.ts';
import { loadDefinitions } from './definitions.ts';
import { createFhirRequestListener } from './http.ts';
import { IndexedMemoryRepository } from './repository.ts';
import { ResourceStore } from './store.ts';
import { createStrictModes } from './strict-modes.ts';
import { type FhirServerOptions, parseFhirServerOptions } from './strict-options.ts';
import { emptyStrictStats, type StrictStats } from './strict-stats.ts';

export { type FhirServerOptions, FhirServerOptionsError, STRICT_DEFAULTS, type StrictOptions } from './strict-options.ts';
export type { StrictStats } from './strict-stats.ts';

export interface FhirTestServer {
  /** No trailing slash, e.g. `http://127.0.0.1:41873`. */
  baseUrl: string;
  /** What the strict modes have done so far (all zero when they are off). */
  stats(): StrictStats;
  /**
   * Runs a transaction bundle in-process, past the strict modes (no token, no rate budget): for loading data
   * into a server whose HTTP face demands what only a registered client has. Throws when it is refused.
   */
  load(bundle: Bundle): Promise<void>;
  close(): Promise<void>;
}

/** `port` 0 (the default) picks a free port; `host` defaults to 127.0.0.1. Throws FhirServerOptionsError. */
export async function startFhirServer(options: FhirServerOptions = {}): Promise<FhirTestServer> {
  const { port, host, strict, clock } = parseFhirServerOptions(options);
  loadDefinitions();
  const repo = new IndexedMemoryRepository(new ResourceStore());
  const strictModes = createStrictModes(strict, clock ?? Date.now);
  const router = new FhirRouter();
  const server = createServer(createFhirRequestListener({ router, repo, log: createLogger(), strict: strictModes }));
  const boundPort = await listen(server, port, host);
  return {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    stats: () => ({ ...(strictModes?.stats ?? emptyStrictStats()) }),
    load: async (bundle) => {
      const [outcome] = await router.handleRequest({ method: 'POST', url: '/', pathname: '', body: bundle, params: {}, query: {} }, repo);
      const status = getStatus(outcome);
      if (status >= 400) throw new Error(`the bundle was refused: HTTP ${status} ${outcome.issue?.[0]?.code ?? ''}`.trim());
    },
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`Unexpected server address: ${address}`));
        return;
      }
      resolve(address.port);
    });
  });
}
