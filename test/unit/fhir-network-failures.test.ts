/** Real connection failures (no msw): recognised by their codes, so they are retried as transient. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFhirGateway, FhirTransientError } from '../../src/fhir/index.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const gatewayAt = (baseUrl: string) => createFhirGateway({ baseUrl, maxAttempts: 1, sleep: async () => {} });

describe('network failures under fetch', () => {
  it('treats a connection the server resets as transient (UND_ERR_SOCKET)', async () => {
    const baseUrl = await serve((request) => request.socket.destroy());
    await expect(gatewayAt(baseUrl).read('Patient', 'p1')).rejects.toBeInstanceOf(FhirTransientError);
  });

  it('treats a refused connection as transient (ECONNREFUSED)', async () => {
    const baseUrl = await serve(() => {});
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    await expect(gatewayAt(baseUrl).read('Patient', 'p1')).rejects.toBeInstanceOf(FhirTransientError);
  });
});
