/**
 * Per-file test environments: an empty test database and a fresh FHIR server on loopback (optionally behind
 * a fault proxy), created in hooks and closed afterwards so the suite exits. The returned object is filled in
 * by the hooks: read its fields inside tests, not at describe time.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Db } from '../../src/store/index.ts';
import { type FhirServerOptions, type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { emptyDatabase, testDb } from './pipeline.ts';

export interface TestEnvironment {
  db: Db;
  fhir: FhirTestServer;
}

/** `per-test`: every test starts with an empty database and an empty FHIR server; `server`: its (strict) options. */
export function useTestEnvironment(fresh: 'per-file' | 'per-test' = 'per-file', server: FhirServerOptions = {}): TestEnvironment {
  const env = {} as TestEnvironment;
  const reset = async () => {
    await emptyDatabase(env.db);
    env.fhir = await startFhirServer(server);
  };
  beforeAll(async () => {
    env.db = testDb();
    if (fresh === 'per-file') await reset();
  });
  afterAll(async () => {
    if (fresh === 'per-file') await env.fhir.close();
    await env.db.$disconnect();
  });
  if (fresh === 'per-test') {
    beforeEach(reset);
    afterEach(() => env.fhir.close());
  }
  return env;
}

/** As useTestEnvironment('per-file'), with a fault proxy in front of the FHIR server. */
export function useFaultyFhir(): TestEnvironment & { proxy: FaultProxy } {
  const env = useTestEnvironment() as TestEnvironment & { proxy: FaultProxy };
  beforeAll(async () => {
    env.proxy = await startFaultProxy(env.fhir.baseUrl);
  });
  afterAll(() => env.proxy.close());
  return env;
}
