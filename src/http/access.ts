/**
 * Route-level authorisation, declared in one place per route: `config: { roles: [...] }` or `'public'`. The
 * auth plugin refuses to register a route without a declaration, so none can be forgotten. The README's role
 * matrix is `accessMatrix` of the route table (a test compares the two).
 */
import { ROLES, type Role } from '../accounts/index.ts';

export type Access = 'public' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: every route declares it (see src/http/access.ts). */
    roles?: Access;
  }
}

export const EVERYONE: readonly Role[] = ROLES;
export const STAFF_WHO_RUN_CAMPAIGNS: readonly Role[] = ['admin', 'care_manager'];
export const REVIEWERS: readonly Role[] = ['admin', 'clinician'];
export const ADMINS: readonly Role[] = ['admin'];

export interface DeclaredRoute {
  method: string;
  url: string;
  roles: Access;
}

/** The status a request gets before its handler runs: 401 without credentials, 403 with the wrong role. */
export function accessStatus(roles: Access, role: Role | undefined): 'allowed' | 401 | 403 {
  if (roles === 'public') return 'allowed';
  if (!role) return 401;
  return roles.includes(role) ? 'allowed' : 403;
}

/** The README's role matrix: one row per route, ✓ where the request reaches the handler, else 401 / 403. */
export function accessMatrix(routes: readonly DeclaredRoute[]): string {
  const columns = ['none', ...ROLES];
  const rows = routes
    .filter((route) => route.method !== 'HEAD' && !route.url.startsWith('/docs/'))
    .map((route) => [
      `\`${route.method} ${route.url}\``,
      ...[undefined, ...ROLES].map((role) => {
        const status = accessStatus(route.roles, role);
        return status === 'allowed' ? '✓' : String(status);
      }),
    ]);
  const header = ['Route', ...columns.map((column) => `\`${column}\``)];
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
