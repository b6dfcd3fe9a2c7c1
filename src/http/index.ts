/** The HTTP API of `careprompt serve`: build the app (tests inject requests), and the role matrix it declares. */
export { type Access, accessMatrix, accessStatus, type DeclaredRoute } from './access.ts';
export { buildApp } from './app.ts';
export { actorOf, CSRF_HEADER, type Principal, SESSION_COOKIE } from './auth.ts';
export type { HttpOptions, HttpServices, ReadinessCheck } from './services.ts';
