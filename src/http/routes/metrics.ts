/**
 * `/metrics` for Prometheus: admins only (a scraper uses an admin API token as its bearer token), since the
 * figures name campaigns and volumes. The worker serves its own on METRICS_PORT.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ADMINS } from '../access.ts';
import type { HttpServices } from '../services.ts';

export function metricsRoutes(services: HttpServices): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/metrics',
      {
        config: { roles: ADMINS },
        schema: { summary: 'Prometheus metrics of this process and of the outbox and queues', tags: ['health'], produces: ['text/plain'] },
      },
      async (_request, reply) => {
        const { contentType, body } = await services.metrics.render();
        return reply.type(contentType).send(body);
      },
    );
  };
}
