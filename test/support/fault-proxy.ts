/**
 * A loopback HTTP proxy in front of the real FHIR server that injects the failures a production EHR shows:
 * 429 with Retry-After, 503, requests that hang past the client's timeout, and — the hard case for
 * exactly-once — a 503 returned *after* the server has already done the work (a lost response). Also what a
 * real server does that the project's forgives (see the notes on real EHRs): 409 on a conditional create that
 * lost a serialization race, and Medplum's 400 for a search whose includes exceed its cap.
 */
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'rate-limit' | 'unavailable' | 'hang' | 'lose-response' | 'reject' | 'malformed' | 'conflict' | 'cap-includes';

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
  /**
   * cap-includes only: the search is refused when the server's answer holds more included resources than this,
   * as Medplum refuses above 1,000; otherwise it passes. @defaultValue 0 (every matching search is refused)
   */
  includeLimit?: number;
  /** rate-limit only: the Retry-After the 429 announces, in seconds. @defaultValue 0 */
  retryAfterSeconds?: number;
}

export interface FaultProxy {
  baseUrl: string;
  rules: FaultRule[];
  /** Faults injected so far, by kind. */
  injected: Record<Fault, number>;
  /** Every request as it arrived (`at`: performance.now(), ms; `path` with the query), faulty or not: what the server was asked, over time. */
  arrivals: Array<{ at: number; method: string; path: string }>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetBaseUrl: string): Promise<FaultProxy> {
  const target = new URL(targetBaseUrl);
  const rules: FaultRule[] = [];
  const seen = new Map<FaultRule, number>();
  const fired = new Map<FaultRule, number>();
  const injected: Record<Fault, number> = {
    'rate-limit': 0,
    unavailable: 0,
    hang: 0,
    'lose-response': 0,
    reject: 0,
    malformed: 0,
    conflict: 0,
    'cap-includes': 0,
  };
  const hanging = new Set<ServerResponse>();
  const arrivals: FaultProxy['arrivals'] = [];

  const pick = (req: IncomingMessage, body: string): FaultRule | undefined => {
    for (const rule of rules) {
      if ((rule.method && rule.method !== req.method) || !rule.path.test(req.url ?? '')) continue;
      if (rule.body && !rule.body.test(body)) continue;
      const index = (seen.get(rule) ?? 0) + 1;
      seen.set(rule, index);
      if (index <= (rule.after ?? 0) || index % (rule.every ?? 1) !== 0) continue;
      if ((fired.get(rule) ?? 0) >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      fired.set(rule, (fired.get(rule) ?? 0) + 1);
      // A capped search is refused only once the answer shows it holds too much; counted then.
      if (rule.fault !== 'cap-includes') injected[rule.fault] += 1;
      return rule;
    }
    return undefined;
  };

  const server = createServer(async (req, res) => {
    arrivals.push({ at: performance.now(), method: req.method ?? '', path: req.url ?? '' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const rule = pick(req, body.toString('utf8'));
    if (rule?.fault === 'rate-limit') return refuse(res, 429, { 'retry-after': String(rule.retryAfterSeconds ?? 0) });
    if (rule?.fault === 'unavailable') return refuse(res, 503, {});
    if (rule?.fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      return res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: 'not a list' }));
    }
    if (rule?.fault === 'reject') return refuse(res, 422, {}, 'business-rule', 'recipient has no portal account');
    // Medplum's answer when a concurrent SERIALIZABLE transaction won: nothing was created.
    if (rule?.fault === 'conflict') {
      return refuse(res, 409, {}, 'conflict', 'could not serialize access due to read/write dependencies among transactions');
    }
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
        if (rule?.fault === 'cap-includes') return capIncludes(answer, res, rule.includeLimit ?? 0, () => (injected['cap-includes'] += 1));
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
    arrivals,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Passes the answer on unless it includes more than `limit` resources; then refuses it as Medplum does. */
function capIncludes(answer: IncomingMessage, res: ServerResponse, limit: number, onRefused: () => void): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('end', () => {
    const body = Buffer.concat(chunks);
    // Only a search's answer has includes to count; a refusal passes as it is.
    const bundle =
      answer.statusCode === 200 ? (JSON.parse(body.toString('utf8')) as { entry?: Array<{ search?: { mode?: string } }> }) : {};
    const entries = bundle.entry ?? [];
    const included = entries.filter((entry) => entry.search?.mode === 'include').length;
    if (included > limit) {
      onRefused();
      return refuse(res, 400, {}, 'invalid', `Search with _(rev)include reached query scope limit: depth=1, results=${entries.length}`);
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    res.end(body);
  });
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
