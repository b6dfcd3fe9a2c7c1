/**
 * careprompt's own FHIR R4 server: Medplum's FhirRouter and MemoryRepository behind `node:http`, with what they
 * lack for our use (validation, paging links, includes, indexes, refusal of searches they would answer wrongly).
 * For the demo, integration tests and benchmarks: everything stays in memory, and every caller is trusted.
 */
import { createServer, type Server } from 'node:http';
import { FhirRouter } from '@medplum/fhir-router';
import { createLogger } from '../log/index.ts';
import { loadDefinitions } from './definitions.ts';
import { createFhirRequestListener } from './http.ts';
import { IndexedMemoryRepository } from './repository.ts';
import { ResourceStore } from './store.ts';

export interface FhirTestServer {
  /** No trailing slash, e.g. `http://127.0.0.1:41873`. */
  baseUrl: string;
  close(): Promise<void>;
}

/** `port` 0 (the default) picks a free port; `host` defaults to 127.0.0.1. */
export async function startFhirServer(options: { port?: number; host?: string } = {}): Promise<FhirTestServer> {
  const host = options.host ?? '127.0.0.1';
  loadDefinitions();
  const repo = new IndexedMemoryRepository(new ResourceStore());
  const server = createServer(createFhirRequestListener({ router: new FhirRouter(), repo, log: createLogger() }));
  const port = await listen(server, options.port ?? 0, host);
  return {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
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
