/** The worker's `/metrics` on METRICS_HOST:METRICS_PORT (loopback by default): plain node:http, no sign-in. */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log/index.ts';
import type { Metrics } from './prometheus.ts';

export async function serveMetrics(metrics: Metrics, address: { host: string; port: number }, logger: Logger): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        logger.error({ errorName: error instanceof Error ? error.name : typeof error }, 'metrics: could not read the figures');
        response.writeHead(503).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, resolve);
  });
  return server;
}
