/**
 * The browser console of `careprompt serve`: server-rendered pages over the JSON API, a stylesheet and a small
 * script served from the app (no CDN). Every page route declares its roles like the API's (src/http/access.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { HttpOptions } from '../services.ts';
import { adminPages } from './admin-pages.ts';
import { consoleApi } from './api.ts';
import { assetRoutes } from './assets.ts';
import { campaignPages } from './campaign-pages.ts';
import { acceptForms } from './form.ts';
import { outreachPages } from './outreach-pages.ts';
import { patientPages } from './patient-pages.ts';
import { pages, problemsAsPages } from './respond.ts';
import { reviewPages } from './review-pages.ts';
import { sessionPages } from './session-pages.ts';

export function consolePages(options: HttpOptions): FastifyPluginAsync {
  return async (app) => {
    const framing = pages(options);
    const api = consoleApi(app, framing.csrf);
    acceptForms(app);
    app.addHook('onSend', problemsAsPages(framing));
    await app.register(assetRoutes);
    await app.register(sessionPages(api, framing));
    await app.register(campaignPages(api, framing));
    await app.register(reviewPages(api, framing));
    await app.register(outreachPages(api, framing));
    await app.register(patientPages(api, framing));
    await app.register(adminPages(api, framing));
  };
}
