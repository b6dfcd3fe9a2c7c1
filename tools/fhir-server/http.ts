/**
 * The HTTP face: `/metadata`, `ValueSet/$expand` and type searches are answered here (the router's own search has no links and no
 * validation); everything else (read, create, update, delete, history, transaction, batch) goes to Medplum's
 * FhirRouter. Request bodies are never logged.
 *
 * Once a body is read, handling it does no I/O, so requests never interleave: a conditional create's search and
 * create happen as one step, and two concurrent POSTs with the same If-None-Exist still make one resource.
 *
 * With strict modes on (strict-modes.ts), discovery and the token endpoint are answered first, then each request
 * is admitted or refused before it is handled.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { badRequest, getStatus, OperationOutcomeError, serverError } from '@medplum/core';
import type { FhirRepository, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from '../../src/log/index.ts';
import { capabilityStatement } from './capability.ts';
import { EXPAND_PATH, expandEndpoint } from './expand-endpoint.ts';
import { searchEndpoint } from './search-endpoint.ts';
import type { StrictModes } from './strict-modes.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** OAuth 2 answers are plain JSON. */
const JSON_CONTENT = 'application/json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const TYPE_SEARCH_PATH = /^\/([A-Z][A-Za-z]+)$/;
const POST_SEARCH_PATH = /^\/([A-Z][A-Za-z]+)\/_search$/;
const ROUTER_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const NO_HEADERS: Record<string, string> = {};

export interface FhirHttpDependencies {
  router: FhirRouter;
  repo: FhirRepository;
  log: Logger;
  /** Undefined when every strict mode is off. */
  strict?: StrictModes;
}

interface FhirReply {
  status: number;
  resource: Resource;
}

export function createFhirRequestListener(dependencies: FhirHttpDependencies): RequestListener {
  return (req, res) => {
    void handleRequest(dependencies, req, res);
  };
}

async function handleRequest(dependencies: FhirHttpDependencies, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = req.method ?? 'GET';
  const { strict } = dependencies;
  let headers = NO_HEADERS;
  try {
    const body = await readBody(req);
    if (strict?.auth?.handles(method, url.pathname)) {
      const oauthReply = await strict.auth.answer(method, url, req.headers, body);
      res.writeHead(oauthReply.status, { 'content-type': JSON_CONTENT, ...oauthReply.headers }).end(JSON.stringify(oauthReply.body));
      return;
    }
    const admission = strict?.admit(method, req.url ?? '/', url.pathname, req.headers);
    headers = admission?.headers ?? NO_HEADERS;
    if (admission?.refusal) {
      send(res, url, { status: admission.status ?? getStatus(admission.refusal), resource: admission.refusal }, headers);
      return;
    }
    send(res, url, await dispatch(dependencies, req, url, body), headers);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) {
      // The error's text may quote the resource; its name is enough to start looking.
      dependencies.log.error({ method, path: url.pathname, error: error instanceof Error ? error.name : 'unknown' }, 'FHIR request failed');
    }
    const outcome =
      error instanceof OperationOutcomeError ? error.outcome : serverError(error instanceof Error ? error : new Error(String(error)));
    send(res, url, { status: getStatus(outcome), resource: outcome }, headers);
  }
}

async function dispatch(dependencies: FhirHttpDependencies, req: IncomingMessage, url: URL, body: string): Promise<FhirReply> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && url.pathname === '/metadata') {
    return { status: 200, resource: capabilityStatement() };
  }
  if (method === 'GET' && url.pathname === EXPAND_PATH) {
    return { status: 200, resource: await expandEndpoint(dependencies.repo, url) };
  }
  const typeSearch = method === 'GET' ? TYPE_SEARCH_PATH.exec(url.pathname) : null;
  if (typeSearch?.[1]) {
    return { status: 200, resource: await searchEndpoint(dependencies.repo, typeSearch[1], url, dependencies.strict?.includeCap) };
  }
  const postSearch = method === 'POST' ? POST_SEARCH_PATH.exec(url.pathname) : null;
  if (postSearch?.[1]) {
    const searchUrl = new URL(`/${postSearch[1]}?${new URLSearchParams(body)}`, url);
    for (const [key, value] of url.searchParams) {
      searchUrl.searchParams.append(key, value);
    }
    return { status: 200, resource: await searchEndpoint(dependencies.repo, postSearch[1], searchUrl, dependencies.strict?.includeCap) };
  }
  const [outcome, resource] = await dependencies.router.handleRequest(
    {
      method: routerMethod(method),
      url: url.pathname + url.search,
      pathname: '',
      body: parseJson(body),
      params: {},
      query: {},
      headers: req.headers,
    },
    dependencies.repo,
  );
  const status = getStatus(outcome);
  return { status, resource: status < 400 && resource ? resource : outcome };
}

function send(res: ServerResponse, url: URL, reply: FhirReply, extraHeaders: Record<string, string>): void {
  const headers: Record<string, string> = { 'content-type': FHIR_JSON, ...extraHeaders };
  const { resourceType, id, meta } = reply.resource;
  if (meta?.versionId) {
    headers.etag = `W/"${meta.versionId}"`;
    if (reply.status === 201) {
      headers.location = `${url.origin}/${resourceType}/${id}/_history/${meta.versionId}`;
    }
  }
  res.writeHead(reply.status, headers).end(JSON.stringify(reply.resource));
}

function routerMethod(method: string): HttpMethod {
  const known = ROUTER_METHODS.find((routerMethod) => routerMethod === method);
  if (!known) {
    throw new OperationOutcomeError(badRequest(`Method ${method} is not supported`));
  }
  return known;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new OperationOutcomeError(badRequest(`Request body is larger than ${MAX_BODY_BYTES} bytes`));
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(body: string): unknown {
  if (!body) {
    return undefined;
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new OperationOutcomeError(badRequest('Request body is not valid JSON'), error);
  }
}
