/**
 * The console's sections and who may open them. Page routes take their roles from here too, so the navigation
 * never offers a page the viewer would be refused.
 */
import type { Role } from '../../accounts/index.ts';
import { ADMINS, EVERYONE, REVIEWERS } from '../access.ts';

export const CONSOLE_ASSETS = '/console/assets';

export const SECTIONS = {
  campaigns: { href: '/console/campaigns', label: 'Campaigns', roles: EVERYONE },
  review: { href: '/console/review', label: 'Review queue', roles: REVIEWERS },
  outreach: { href: '/console/outreach', label: 'Outreach', roles: EVERYONE },
  patients: { href: '/console/patients', label: 'Patients', roles: EVERYONE },
  users: { href: '/console/admin/users', label: 'Users', roles: ADMINS },
  tokens: { href: '/console/admin/tokens', label: 'API tokens', roles: ADMINS },
  audit: { href: '/console/admin/audit', label: 'Audit log', roles: ADMINS },
} as const satisfies Record<string, { href: string; label: string; roles: readonly Role[] }>;

export type Section = keyof typeof SECTIONS;

export interface NavItem {
  section: Section;
  href: string;
  label: string;
}

export function navFor(role: string): NavItem[] {
  return Object.entries(SECTIONS)
    .filter(([, item]) => (item.roles as readonly string[]).includes(role))
    .map(([section, item]) => ({ section: section as Section, href: item.href, label: item.label }));
}
