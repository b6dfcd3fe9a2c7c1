/**
 * A JSON request over node:http(s) with keep-alive connections: the gateway's path for the request it makes
 * once per message, the conditional create. fhir-kit-client goes through fetch, which builds a Request,
 * Headers, an AbortSignal and web streams per call: measured on loopback, 290–450 µs of CPU per request
 * against 45–90 µs here (bench/README.md). Searches and reads, a few per hundred messages, stay on
 * fhir-kit-client.
 */
import http from 'node:http';
import https from 'node:https';

export interface JsonReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed body; undefined when the body is empty. */
  body: unknown;
}

/** The server answered with a status outside 2xx; `data` is its body, parsed when it was JSON. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly retryAfter: string | undefined,
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

// One pool per protocol per gateway process; idle sockets are kept for the next message.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export function requestJson(request: JsonRequest): Promise<JsonReply> {
  const url = new URL(request.url);
  const payload = JSON.stringify(request.body);
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<JsonReply>((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: request.method,
        agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
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
          const status = incoming.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const parsed = parseJson(text);
          if (status < 200 || status >= 300) {
            const retryAfter = incoming.headers['retry-after'];
            reject(new HttpStatusError(status, parsed === NOT_JSON ? text : parsed, retryAfter));
          } else if (parsed === NOT_JSON) {
            reject(new HttpBodyError(status));
          } else {
            resolve({ status, headers: incoming.headers, body: parsed });
          }
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

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
