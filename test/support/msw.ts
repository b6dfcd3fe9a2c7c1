import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The FHIR base URL unit tests talk to; msw answers it, and any request it has no handler for fails the test. */
export const FHIR_BASE = 'http://fhir.test/fhir';

export function useMswServer() {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}
