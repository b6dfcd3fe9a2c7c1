import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpNetworkError, HttpStatusError, requestJson } from '../../src/fhir/http.ts';

/** A raw TCP server on loopback answering each connection with what the test says, byte for byte. */
let answer: (socket: Socket) => void = () => {};
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((socket) => {
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (timeoutMs = 2_000) =>
  requestJson({ method: 'POST', url: `${baseUrl}/Communication`, headers: {}, body: { resourceType: 'Communication' }, timeoutMs });

describe('requestJson on a real socket', () => {
  it('reports a reply cut short mid-body as a network failure', async () => {
    answer = (socket) => {
      socket.write('HTTP/1.1 201 Created\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{"resourceTy');
      socket.destroy();
    };
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect((error as Error).name).toBe('HttpNetworkError');
  });

  it('times out a reply that stalls after its headers, counting the body in the limit', async () => {
    const stalled: Socket[] = [];
    answer = (socket) => {
      stalled.push(socket);
      socket.write('HTTP/1.1 201 Created\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{"resourceTy');
    };
    const error = await post(100).catch((e: unknown) => e);
    for (const socket of stalled) socket.destroy();
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect((error as Error).name).toBe('TimeoutError');
  });

  it('hands back a refusal with its status, body and headers', async () => {
    const outcome = JSON.stringify({ resourceType: 'OperationOutcome', issue: [] });
    answer = (socket) => {
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Type: application/fhir+json\r\nContent-Length: ${outcome.length}\r\nConnection: close\r\n\r\n${outcome}`,
      );
    };
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 503, headers: { 'retry-after': '7' }, data: { resourceType: 'OperationOutcome' } });
  });
});
