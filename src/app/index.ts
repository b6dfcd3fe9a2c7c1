export { type AdminServices, withAdminServices } from './admin.ts';
export { templateCheck, valueSetProblems } from './campaign-check.ts';
export { buildMetrics } from './metrics.ts';
export { openServeServices, type ServeServices } from './serve.ts';
export { type AppServices, buildGateway, buildServices, buildValueSetSource, runtimeOptions } from './services.ts';
export { createStorePort } from './store-port.ts';
