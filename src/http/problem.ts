/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a title, what went wrong and how to fix it,
 * and for invalid input each field with its problem. Bodies name fields and ids, never the values sent (which
 * may be patient data) and never a stack.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Logger } from '../log/index.ts';

export const FieldProblem = z.object({ field: z.string(), message: z.string(), line: z.number().int().optional() });
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(FieldProblem).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** A problem a handler means to report: `throw new HttpProblem(404, 'not found', 'no prompt with this id')`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: Array<z.infer<typeof FieldProblem>>,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'>): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', ...problem }));
}

/** Where an invalid request's fields lie: body.email, params.id, headers.x-csrf-token. */
function fieldOf(context: string, path: readonly PropertyKey[]): string {
  return [context, ...path.map(String)].join('.');
}

export function problemHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(reply, {
        status: error.status,
        title: error.title,
        detail: error.detail,
        ...(error.errors ? { errors: error.errors } : {}),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext ?? 'body';
      const errors = error.validation.map((issue) => ({
        field: fieldOf(context, issue.instancePath.split('/').filter(Boolean)),
        message: issue.message ?? 'is invalid',
      }));
      const first = errors[0];
      return sendProblem(reply, {
        status: 400,
        title: 'invalid request',
        detail: first ? `${first.field} ${first.message}: correct it and send again (see /docs)` : 'the request does not match its schema',
        errors,
      });
    }
    if (isResponseSerializationError(error)) {
      logger.error({ requestId: request.id, route: request.routeOptions.url }, 'http: a response did not match its schema');
      return sendProblem(reply, { status: 500, title: 'internal error', detail: `request ${request.id} failed; see the server log` });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      logger.error(
        { requestId: request.id, route: request.routeOptions.url, errorName: error.name, code: error.code },
        'http: request failed',
      );
      return sendProblem(reply, { status, title: 'internal error', detail: `request ${request.id} failed; see the server log` });
    }
    // Fastify's own 4xx (unreadable JSON, wrong content type, body too large, rate limit) say what is wrong.
    return sendProblem(reply, { status, title: titleOf(status), detail: error.message });
  };
}

function titleOf(status: number): string {
  if (status === 401) return 'sign-in required';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not found';
  if (status === 415) return 'unsupported media type';
  if (status === 429) return 'too many requests';
  return 'bad request';
}
