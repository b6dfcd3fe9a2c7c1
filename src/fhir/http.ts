/**
 * A JSON request over node:http(s) with keep-alive connections: the gateway's path for the request it makes
 * once per message, the conditional create. fhir-kit-client goes through fetch, which builds a Request,
 * Headers, an AbortSignal and web streams per call: measured on loopback, 290–450 µs of CPU per request
 * against 45–90 µs here (bench/README.md). Searches and reads, a few per hundred messages, stay on
 * fhir-kit-client.
 */
import http from 'node:http';
import https from 'node:https';
import { NOT_JSON, parseJsonBody } from './json.ts';

export interface JsonReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed body; undefined when the body is empty. */
  body: unknown;
}

/**
 * The server answered with a status outside 2xx; `data` is its body, parsed when it was JSON, and `headers` its
 * headers (Retry-After, RateLimit…).
 */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly headers: http.IncomingHttpHeaders,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/** A 2xx whose body is not JSON. */
export class HttpBodyError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status} with a body that is not JSON`);
    this.name = 'HttpBodyError';
  }
}

/** No answer: the connection failed, was cut short, or the time ran out (`name` TimeoutError). */
export class HttpNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown; timeout?: boolean }) {
    super(message, options);
    this.name = options?.timeout ? 'TimeoutError' : 'HttpNetworkError';
  }
}

export interface JsonRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** For the whole exchange, the body of the reply included. */
  timeoutMs: number;
}

// One pool per protocol per process; an idle socket is closed after 4 s, before most servers and proxies close
// it themselves (reusing a socket the server has just closed costs an attempt).
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4_000 }),
};

/** Redirects that keep the method and body, as fetch follows them. */
const REDIRECTS = new Set([307, 308]);
const MAX_REDIRECTS = 3;

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * Sends the request, following 307/308 redirects on the same origin only: our headers (Authorization) must not
 * go to another host, nor over plain HTTP. Resolves with the parsed body of a 2xx; rejects with the errors above otherwise.
 */
export async function requestJson(request: JsonRequest): Promise<JsonReply> {
  const payload = JSON.stringify(request.body);
  let url = new URL(request.url);
  for (let redirects = 0; ; redirects++) {
    const reply = await roundTrip(url, payload, request);
    const location = reply.headers.location;
    const next = location && REDIRECTS.has(reply.status) && redirects < MAX_REDIRECTS ? new URL(location, url) : undefined;
    if (next && next.origin === url.origin) {
      url = next;
      continue;
    }
    const parsed = parseJsonBody(reply.text);
    if (reply.status < 200 || reply.status >= 300) {
      throw new HttpStatusError(reply.status, parsed === NOT_JSON ? reply.text : parsed, reply.headers);
    }
    if (parsed === NOT_JSON) throw new HttpBodyError(reply.status);
    return { status: reply.status, headers: reply.headers, body: parsed };
  }
}

/** One request and its whole reply, within the timeout. */
function roundTrip(url: URL, payload: string, request: JsonRequest): Promise<RawReply> {
  const secure = url.protocol === 'https:';
  return new Promise<RawReply>((resolve, reject) => {
    const outgoing = (secure ? https.request : http.request)(
      url,
      {
        method: request.method,
        agent: secure ? agents['https:'] : agents['http:'],
        headers: {
          accept: 'application/fhir+json',
          'content-type': 'application/fhir+json',
          'content-length': Buffer.byteLength(payload),
          ...request.headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', (error) => fail(new HttpNetworkError('response cut short', { cause: error })));
        incoming.on('end', () => {
          clearTimeout(timer);
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    // A plain timer, not AbortSignal.timeout: the signal costs more CPU than the rest of the request.
    const timer = setTimeout(
      () => fail(new HttpNetworkError(`no reply within ${request.timeoutMs} ms`, { timeout: true })),
      request.timeoutMs,
    );
    function fail(error: HttpNetworkError) {
      clearTimeout(timer);
      outgoing.destroy();
      reject(error);
    }
    outgoing.on('error', (error) => fail(new HttpNetworkError('request failed', { cause: error })));
    outgoing.end(payload);
  });
}
