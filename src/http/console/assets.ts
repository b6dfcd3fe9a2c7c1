/**
 * The console's stylesheet and script, read once from the package (src/http/console/assets, copied to dist by
 * `npm run build`) and served from the app itself: no CDN, so the console works offline.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { CONSOLE_ASSETS } from './nav.ts';

const TYPES = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' } as const;

export const assetRoutes: FastifyPluginAsync = async (app) => {
  for (const [name, type] of Object.entries(TYPES)) {
    const text = await readFile(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    // Public: style and behaviour, no data.
    app.get(`${CONSOLE_ASSETS}/${name}`, { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'public, max-age=300').send(text),
    );
  }
};
