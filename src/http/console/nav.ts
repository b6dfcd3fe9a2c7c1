/**
 * The console's sections and who may open them. Page routes take their roles from here too, so the navigation
 * never offers a page the viewer would be refused.
 */
export type Role = 'admin' | 'care_manager' | 'clinician';

export const CONSOLE_ASSETS = '/console/assets';

export const SECTIONS = {
  campaigns: { href: '/console/campaigns', label: 'Campaigns', roles: ['admin', 'care_manager'] },
  review: { href: '/console/review', label: 'Review queue', roles: ['admin', 'clinician'] },
  outreach: { href: '/console/outreach', label: 'Outreach', roles: ['admin', 'care_manager', 'clinician'] },
  patients: { href: '/console/patients', label: 'Patients', roles: ['admin', 'care_manager', 'clinician'] },
  users: { href: '/console/admin/users', label: 'Users', roles: ['admin'] },
  tokens: { href: '/console/admin/tokens', label: 'API tokens', roles: ['admin'] },
  audit: { href: '/console/admin/audit', label: 'Audit log', roles: ['admin'] },
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
