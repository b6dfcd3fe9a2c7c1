/** `careprompt serve`: the HTTP API (and the console) until SIGTERM or SIGINT, then a graceful close. */
import { openServeServices } from '../../app/index.ts';
import { loadConfig, loadHttpConfig } from '../../config/index.ts';
import { buildApp } from '../../http/index.ts';
import { createLogger } from '../../log/index.ts';
import { EXIT } from '../errors.ts';

export async function serveCommand(): Promise<number> {
  // Both read before anything connects: a missing SESSION_SECRET stops start-up with its name.
  const config = loadConfig();
  const http = loadHttpConfig();
  const logger = createLogger({ level: config.logLevel });
  const services = await openServeServices(config, logger);
  const app = await buildApp(services, http);
  try {
    const address = await app.listen({ host: http.host, port: http.port });
    logger.info({ address }, 'serve: listening; API docs at /docs; SIGTERM or SIGINT stops it gracefully');
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    logger.info({ signal }, 'serve: stopping (requests in flight finish first)');
    return EXIT.ok;
  } finally {
    await app.close();
    await services.close();
  }
}
