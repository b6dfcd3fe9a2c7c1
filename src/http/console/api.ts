/**
 * The console's pages act through the JSON API, in-process (`app.inject`), as the signed-in person: one
 * implementation of every action, its validation and its authorisation, whether a browser page or a script
 * asks. A page forwards the caller's credentials and the session's CSRF token; the API's answer is parsed with the
 * page's zod schema, and its problems (invalid input, not found, refused) come back to be shown on the page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CSRF_HEADER } from '../auth.ts';

export interface ApiProblem {
  status: number;
  title: string;
  detail: string;
  errors?: Array<{ field: string; message: string; line?: number }>;
}

export type ApiResult<T> = { ok: true; status: number; value: T; setCookie?: string | string[] } | { ok: false; problem: ApiProblem };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Api {
  call<S extends z.ZodType>(
    request: FastifyRequest,
    method: Method,
    url: string,
    schema: S,
    body?: unknown,
  ): Promise<ApiResult<z.infer<S>>>;
}

/** `csrf`: the CSRF token of a request's session. */
export function consoleApi(app: FastifyInstance, csrf: (request: FastifyRequest) => string): Api {
  return {
    async call(request, method, url, schema, body) {
      const headers: Record<string, string> = {};
      // The caller's credentials, whichever it used: the session cookie, or an API token.
      if (request.headers.cookie) headers.cookie = request.headers.cookie;
      if (request.headers.authorization) headers.authorization = request.headers.authorization;
      if (method !== 'GET') headers[CSRF_HEADER] = csrf(request);
      const response = await app.inject({
        method,
        url,
        headers,
        // The caller's address, so the API's per-address limits (sign-in) count each browser apart.
        remoteAddress: request.ip,
        ...(body === undefined ? {} : { payload: body as object }),
      });
      const text = response.body;
      if (response.statusCode >= 400) {
        const problem = String(response.headers['content-type'] ?? '').startsWith('application/problem+json')
          ? (JSON.parse(text) as ApiProblem)
          : { status: response.statusCode, title: 'request failed', detail: `the API answered ${response.statusCode}` };
        return { ok: false, problem: { ...problem, status: response.statusCode } };
      }
      const value = schema.parse(text === '' ? null : JSON.parse(text));
      const setCookie = response.headers['set-cookie'];
      return { ok: true, status: response.statusCode, value, ...(setCookie ? { setCookie } : {}) };
    },
  };
}
