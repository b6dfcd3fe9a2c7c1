/**
 * The HTTP application, apart from `listen` so tests drive it with `app.inject()`. Plugins in order: cookies,
 * security headers, the sign-in rate limit, the OpenAPI document, authorisation (before any route, so it sees
 * every route's declaration), then the routes and the interactive docs.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { adminRoutes } from './api/admin.ts';
import { campaignRoutes } from './api/campaigns.ts';
import { outreachRoutes } from './api/outreach.ts';
import { patientRoutes } from './api/patients.ts';
import { reviewRoutes } from './api/review.ts';
import { auth } from './auth.ts';
import { consolePages } from './console/index.ts';
import { problemHandler, sendProblem } from './problem.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { sessionRoutes } from './routes/session.ts';
import type { HttpOptions, HttpServices } from './services.ts';

export async function buildApp(services: HttpServices, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, disableRequestLogging: true }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemHandler(services.logger));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { status: 404, title: 'not found', detail: `no route ${request.method} ${request.url.split('?')[0]} (see /docs)` }),
  );
  // The route template, never the URL itself: ids only, and no query string reaches the log.
  app.addHook('onResponse', async (request, reply) => {
    services.logger.info(
      {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http: request',
    );
  });

  await app.register(cookie);
  await app.register(helmet);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'careprompt API', version: '1' },
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'An API token (careprompt tokens create)' },
          session: { type: 'apiKey', in: 'cookie', name: 'careprompt_session' },
        },
      },
      security: [{ token: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(auth, { services, options });

  await app.register(healthRoutes(services));
  await app.register(sessionRoutes(services, options));
  await app.register(campaignRoutes(services));
  await app.register(reviewRoutes(services));
  await app.register(outreachRoutes(services));
  await app.register(patientRoutes(services));
  await app.register(adminRoutes(services));
  await app.register(metricsRoutes(services));
  await app.register(consolePages(options));
  app.get('/openapi.json', { config: { roles: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // Its assets are served from node_modules (no CDN); the static CSP keeps helmet's policy for its pages.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  return app;
}
