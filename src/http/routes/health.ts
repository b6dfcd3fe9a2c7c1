/**
 * `/healthz`: the process answers. `/readyz`: its dependencies answer (PostgreSQL, Redis, the FHIR server with
 * its token). Both public, so they reveal only check names and ok/failing, never why.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpServices } from '../services.ts';

const Readiness = z.object({ ok: z.boolean(), checks: z.array(z.object({ name: z.string(), ok: z.boolean() })) });

export function healthRoutes(services: HttpServices): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { roles: 'public' },
        schema: { summary: 'The process is up', tags: ['health'], response: { 200: z.object({ ok: z.literal(true) }) } },
      },
      async () => ({ ok: true as const }),
    );
    app.get(
      '/readyz',
      {
        config: { roles: 'public' },
        schema: { summary: 'PostgreSQL, Redis and the FHIR server answer', tags: ['health'], response: { 200: Readiness, 503: Readiness } },
      },
      async (_request, reply) => {
        const checks = await services.readiness();
        const ok = checks.every((check) => check.ok);
        return reply.code(ok ? 200 : 503).send({ ok, checks });
      },
    );
  };
}
