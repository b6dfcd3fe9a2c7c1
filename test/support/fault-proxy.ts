/**
 * A loopback HTTP proxy in front of the real FHIR server that injects the failures a production EHR shows:
 * 429 with Retry-After, 503, requests that hang past the client's timeout, and — the hard case for
 * exactly-once — a 503 returned *after* the server has already done the work (a lost response).
 */
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'rate-limit' | 'unavailable' | 'hang' | 'lose-response' | 'reject' | 'malformed';

export interface FaultRule {
  method?: string;
  /** Matched against the path and query. */
  path: RegExp;
  /** Matched against the request body, when given: one message among many. */
  body?: RegExp;
  fault: Fault;
  /** Which matching requests fail: a request fails when `every` divides its 1-based index. @defaultValue 1 */
  every?: number;
  /** How many times the rule may fire. @defaultValue Infinity */
  times?: number;
  /** The first `after` matching requests pass untouched. @defaultValue 0 */
  after?: number;
}

export interface FaultProxy {
  baseUrl: string;
  rules: FaultRule[];
  /** Faults injected so far, by kind. */
  injected: Record<Fault, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetBaseUrl: string): Promise<FaultProxy> {
  const target = new URL(targetBaseUrl);
  const rules: FaultRule[] = [];
  const seen = new Map<FaultRule, number>();
  const fired = new Map<FaultRule, number>();
  const injected: Record<Fault, number> = { 'rate-limit': 0, unavailable: 0, hang: 0, 'lose-response': 0, reject: 0, malformed: 0 };
  const hanging = new Set<ServerResponse>();

  const pick = (req: IncomingMessage, body: string): FaultRule | undefined => {
    for (const rule of rules) {
      if ((rule.method && rule.method !== req.method) || !rule.path.test(req.url ?? '')) continue;
      if (rule.body && !rule.body.test(body)) continue;
      const index = (seen.get(rule) ?? 0) + 1;
      seen.set(rule, index);
      if (index <= (rule.after ?? 0) || index % (rule.every ?? 1) !== 0) continue;
      if ((fired.get(rule) ?? 0) >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      fired.set(rule, (fired.get(rule) ?? 0) + 1);
      injected[rule.fault] += 1;
      return rule;
    }
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const rule = pick(req, body.toString('utf8'));
    if (rule?.fault === 'rate-limit') return refuse(res, 429, { 'retry-after': '0' });
    if (rule?.fault === 'unavailable') return refuse(res, 503, {});
    if (rule?.fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      return res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: 'not a list' }));
    }
    if (rule?.fault === 'reject') return refuse(res, 422, {}, 'business-rule', 'recipient has no portal account');
    if (rule?.fault === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    // The Host header is kept so the server's paging links point back at the proxy: every page passes here.
    const upstream = forward(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (rule?.fault === 'lose-response') {
          answer.resume();
          answer.on('end', () => refuse(res, 503, {}));
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => refuse(res, 502, {}));
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    rules,
    injected,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function refuse(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  code = 'transient',
  diagnostics = `injected ${status}`,
): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] }));
}
