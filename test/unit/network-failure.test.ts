import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirTransientError } from '../../src/fhir/errors.ts';
import { HttpNetworkError } from '../../src/fhir/http.ts';
import { isNetworkFailure, transientNetworkError } from '../../src/fhir/network-failure.ts';

/** What fetch rejects with, or throws while reading the body. */
async function fetchFailure(url: string): Promise<unknown> {
  try {
    await (await fetch(url)).text();
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered in full`);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

// Real sockets on loopback for undici's failures; msw only for its own network error, on a host of its own.
const msw = setupServer(http.get('http://msw.test/down', () => HttpResponse.error()));
const servers: Server[] = [];
beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }));
afterAll(async () => {
  msw.close();
  for (const server of servers) if (server.listening) await new Promise((resolve) => server.close(resolve));
});

function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return listen(server);
}

describe('isNetworkFailure', () => {
  it('recognises a refused connection (ECONNREFUSED)', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchFailure(url);
    expect(error).toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    expect(isNetworkFailure(error)).toBe(true);
  });

  it('recognises a connection dropped before the answer (UND_ERR_SOCKET)', async () => {
    const url = await serve((request) => request.socket.destroy());
    const error = await fetchFailure(url);
    expect(error).toMatchObject({ cause: { code: 'UND_ERR_SOCKET' } });
    expect(isNetworkFailure(error)).toBe(true);
  });

  it('recognises a body cut short', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': '100' });
      response.write('{"resourceType":', () => response.socket?.destroy());
    });
    const error = await fetchFailure(url);
    expect(error).toMatchObject({ cause: { code: 'UND_ERR_SOCKET' } });
    expect(isNetworkFailure(error)).toBe(true);
  });

  it("recognises msw's network error (HttpResponse.error())", async () => {
    const error = await fetchFailure('http://msw.test/down');
    expect(error).toBeInstanceOf(TypeError);
    expect(isNetworkFailure(error)).toBe(true);
  });

  it('does not take other failures for network ones', async () => {
    expect(isNetworkFailure(await fetchFailure('http://127.0.0.1:99999/'))).toBe(false); // invalid URL: a bug, not a blip
    expect(isNetworkFailure(new TypeError('fetch failed'))).toBe(false); // the wording alone proves nothing
    expect(isNetworkFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false); // not from fetch
    expect(isNetworkFailure(new TypeError('x', { cause: { code: 'ERR_INVALID_ARG_TYPE' } }))).toBe(false);
  });
});

describe('transientNetworkError', () => {
  const request = { what: 'FHIR read Patient/p1', timeoutMs: 2_000, when: 'attempt 1/4' };

  it('makes a timeout of either HTTP path transient, naming the limit', () => {
    for (const timeout of [
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      new HttpNetworkError('no reply', { timeout: true }),
    ]) {
      const error = transientNetworkError(timeout, request);
      expect(error).toBeInstanceOf(FhirTransientError);
      expect(error?.message).toBe('FHIR read Patient/p1 timed out after 2000 ms (attempt 1/4)');
      expect(error?.cause).toBe(timeout);
    }
  });

  it("makes fetch's and http.ts's network failures transient", async () => {
    for (const failure of [await fetchFailure('http://msw.test/down'), new HttpNetworkError('request failed')]) {
      const error = transientNetworkError(failure, { what: 'FHIR token request', timeoutMs: 2_000 });
      expect(error).toBeInstanceOf(FhirTransientError);
      expect(error?.message).toBe('FHIR token request failed: network error');
      expect(error?.status).toBeUndefined();
    }
  });

  it('leaves anything else alone', () => {
    expect(transientNetworkError(new TypeError('x is not a function'), request)).toBeUndefined();
    expect(transientNetworkError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), request)).toBeUndefined();
  });
});
